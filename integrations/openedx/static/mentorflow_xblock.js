/* The mentorflow XBlock in the browser: every form posts its fields as JSON to the block's handler and the
   block's content is replaced by what the handler renders (the same panels the web service shows). */
function MentorflowXBlock(runtime, element, init) {
    "use strict";
    var root = element.querySelector ? element : element[0];  // the LMS passes a DOM node, older runtimes jQuery

    function csrfToken() {
        var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
        return match ? decodeURIComponent(match[1]) : "";
    }

    function fieldsOf(form) {
        var values = {};
        Array.prototype.forEach.call(form.elements, function (control) {
            if (!control.name || control.disabled) { return; }
            if ((control.type === "checkbox" || control.type === "radio") && !control.checked) { return; }
            values[control.name] = control.value;
        });
        return values;
    }

    function say(message, isError) {
        var live = root.querySelector(".mf-live"), alert = root.querySelector(".mf-alert");
        if (live) { live.textContent = isError ? "" : (message || ""); }
        if (alert) { alert.textContent = isError ? message : ""; alert.hidden = !isError; }
    }

    function payloadFor(form) {
        var values = fieldsOf(form), handler = form.getAttribute("data-handler") || "fire";
        if (handler === "form_group") {
            // Every ticked person, by role: {"members": {"mentee": [3, 4, 5], "mentor": [7]}}.
            var members = {};
            Array.prototype.forEach.call(form.querySelectorAll("input[type=checkbox]:checked"), function (box) {
                var role = box.name.replace(/^members\./, "");
                (members[role] = members[role] || []).push(parseInt(box.value, 10));
            });
            return {handler: handler, body: {members: members}};
        }
        if (handler === "fire") {
            // The hidden concurrency control (SEEN_VERSION in the shared forms), never a form field of the same name.
            var version = values._seen_version;
            delete values._seen_version;
            return {handler: handler, body: {relationship: form.getAttribute("data-relationship"),
                transition: form.getAttribute("data-transition"), version: version, data: values}};
        }
        if (handler === "enrol") {
            var role = values.role;
            delete values.role;
            return {handler: handler, body: {role: role, profile: values}};
        }
        return {handler: handler, body: values};
    }

    function replaceBody(html) {
        var body = root.querySelector(".mf-body");
        if (body && typeof html === "string") { body.innerHTML = html; }
        showKinds();
    }

    /* In a group of fields whose item has kinds, show only the chosen kind's fields (all show without JS). */
    function showKind(select) {
        var group = select.closest("fieldset");
        if (!group) { return; }
        Array.prototype.forEach.call(group.querySelectorAll("[data-kinds]"), function (field) {
            field.hidden = select.value === "" || field.getAttribute("data-kinds").split(" ").indexOf(select.value) < 0;
        });
    }

    function showKinds() {
        Array.prototype.forEach.call(root.querySelectorAll("select[data-kind-switch]"), showKind);
    }

    function submit(event) {
        var form = event.target;
        if (!form || form.tagName !== "FORM" || !root.contains(form)) { return; }
        event.preventDefault();
        var request = payloadFor(form), button = form.querySelector("button[type=submit]");
        if (button) { button.disabled = true; }
        fetch(runtime.handlerUrl(root, request.handler), {
            method: "POST", credentials: "same-origin",
            headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken(),
                      "X-Requested-With": "XMLHttpRequest"},
            body: JSON.stringify(request.body)
        }).then(function (response) {
            return response.json().catch(function () { return {error: response.statusText}; })
                .then(function (answer) { return {ok: response.ok, answer: answer}; });
        }).then(function (result) {
            replaceBody(result.answer.html);
            if (result.ok) {
                say(result.answer.message, false);
            } else {
                say(result.answer.summary || result.answer.error || (init && init.failed) || "", true);
                var invalid = root.querySelector("[aria-invalid=true], .invalid input, .invalid select, .invalid textarea");
                if (invalid) { invalid.focus(); }
            }
        }).catch(function (error) {
            say(((init && init.failed) || "") + " (" + String(error) + ")", true);
        }).then(function () {
            if (button && document.body.contains(button)) { button.disabled = false; }
        });
    }

    root.addEventListener("submit", submit);
    root.addEventListener("change", function (event) {
        if (event.target.matches && event.target.matches("select[data-kind-switch]")) { showKind(event.target); }
    });
    showKinds();
}
