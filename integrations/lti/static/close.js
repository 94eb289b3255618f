// Tells the platform that opened dynamic registration that it is done (LTI Dynamic Registration, section 3.6).
(function () {
  var target = window.opener || window.parent;
  if (target && target !== window) { target.postMessage({subject: "org.imsglobal.lti.close"}, "*"); }
})();
