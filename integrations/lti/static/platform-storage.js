// LTI platform storage (1EdTech "LTI Client Side postMessages"): where the browser blocks the tool's cookies in the
// platform's frame, the login stores its state in the platform's frame and the launch reads it back from there.
// Messages go only to the platform's own origin and answers count only from it, so a page of another site that
// frames mentorflow can neither read nor fake what the platform holds for this browser.
(function () {
  "use strict";
  var box = document.getElementById("mf-lti-storage");
  if (!box) { return; }
  var d = box.dataset;
  var messageId = "mf-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  var done = false;
  var target = null;
  try {
    target = d.target === "_parent" ? window.parent : window.parent.frames[d.target];
  } catch (error) {
    target = null;
  }

  function finish(ok, value) {
    if (done) { return; }
    done = true;
    window.removeEventListener("message", listen);
    if (d.mode === "put") {  // stored or not, the sign-in goes on (the cookie may still be kept)
      window.location.replace(d.next);
    } else if (ok && value === d.value) {
      document.getElementById("mf-lti-storage-form").submit();
    } else {
      box.hidden = true;
      document.getElementById("mf-lti-storage-refused").hidden = false;
    }
  }

  function listen(event) {
    var data = event.data;
    if (event.origin !== d.origin || !data || typeof data !== "object" || data.message_id !== messageId) { return; }
    if (data.subject !== "lti." + d.mode + "_data.response") { return; }
    finish(!data.error, data.value);
  }

  window.addEventListener("message", listen);
  if (!target || target === window) {
    finish(false);
    return;
  }
  var message = {subject: "lti." + d.mode + "_data", message_id: messageId, key: d.key};
  if (d.mode === "put") { message.value = d.value; }
  target.postMessage(message, d.origin);
  window.setTimeout(function () { finish(false); }, 5000);
})();
