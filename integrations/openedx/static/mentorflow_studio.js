/* Studio settings of the mentorflow XBlock: saves through studio_submit, which validates the workflow and
   answers each problem with its JSON pointer. */
function MentorflowStudio(runtime, element, init) {
    "use strict";
    var root = element.querySelector ? element : element[0];
    var form = root.querySelector(".mf-studio-form");
    var problems = root.querySelector(".mf-problems"), alert = root.querySelector(".mf-alert");
    var upload = root.querySelector("input[type=file]");

    function csrfToken() {
        var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
        return match ? decodeURIComponent(match[1]) : "";
    }

    function notify(name, data) {
        if (runtime.notify) { runtime.notify(name, data); }
    }

    function show(answer) {
        problems.textContent = "";
        alert.textContent = answer.summary || answer.error || "";
        alert.hidden = !answer.error;
        (answer.problems || []).forEach(function (problem) {
            var item = document.createElement("li"), where = document.createElement("code");
            where.textContent = (problem.source ? problem.source + "#" : "") + (problem.pointer || "/");
            item.appendChild(where);
            item.appendChild(document.createTextNode(" " + problem.message));
            problems.appendChild(item);
        });
    }

    if (upload) {
        upload.addEventListener("change", function () {
            var file = upload.files && upload.files[0];
            if (!file) { return; }
            var reader = new FileReader();
            reader.onload = function () { form.elements.workflow_json.value = reader.result; };
            reader.readAsText(file);
        });
    }

    form.addEventListener("submit", function (event) {
        event.preventDefault();
        var body = {};
        ["display_name", "template", "workflow_json", "cadence", "signup_roles", "programme_key"].forEach(function (name) {
            body[name] = form.elements[name].value;
        });
        notify("save", {state: "start"});
        fetch(runtime.handlerUrl(root, "studio_submit"), {
            method: "POST", credentials: "same-origin",
            headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken()},
            body: JSON.stringify(body)
        }).then(function (response) {
            return response.json().then(function (answer) { return {ok: response.ok, answer: answer}; });
        }).then(function (result) {
            show(result.ok ? {} : result.answer);
            if (result.ok) {
                notify("save", {state: "end"});
            } else {
                notify("error", {title: result.answer.error, message: result.answer.error});
            }
        }).catch(function (error) { show({error: ((init && init.failed) || "") + " (" + String(error) + ")"}); });
    });

    root.querySelector(".mf-cancel").addEventListener("click", function (event) {
        event.preventDefault();
        notify("cancel", {});
    });
}
