// The announcement composer's live preview, a progressive enhancement: as staff type, the
// form is posted (debounced) to the preview address, which answers the preview fragment
// rendered and checked by the server, as the Preview button shows it; it replaces the one
// on the page. Without JavaScript, the Preview button does the same with a page load.
(function () {
  "use strict";
  var form = document.querySelector("form[data-live-preview]");
  var target = document.getElementById("live-preview");
  if (!form || !target || !window.fetch || !window.FormData) return;
  var timer = null;
  var asked = 0;
  var shown = 0;

  function refresh() {
    var data = new FormData(form);
    var file = form.querySelector("input[type=file]");
    if (file) {
      data.delete(file.name); // the photo is sent once, with the form; only its presence here
      if (file.files && file.files.length) data.set("photo_chosen", "1");
    }
    var number = ++asked;
    fetch(form.getAttribute("data-live-preview"), {
      method: "POST",
      body: data,
      credentials: "same-origin",
    })
      .then(function (answer) {
        return answer.status === 200 || answer.status === 400 ? answer.text() : null;
      })
      .then(function (fragment) {
        if (fragment === null || number < shown) return; // a later answer is already shown
        shown = number;
        target.innerHTML = fragment; // the server's own rendering: every text escaped there
      })
      .catch(function () {}); // offline a moment: the Preview button still works
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  }

  form.addEventListener("input", later);
  form.addEventListener("change", later);
})();
