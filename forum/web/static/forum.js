// forum: small enhancements. Every page works without this file.
(function () {
  "use strict";

  // "Quote selected text": remember the last passage selected inside a comment's text.
  var lastSelection = null;
  document.addEventListener("selectionchange", function () {
    var selection = window.getSelection();
    if (!selection || selection.isCollapsed) return;
    var node = selection.anchorNode;
    var element = node && (node.nodeType === 1 ? node : node.parentElement);
    var body = element && element.closest("[data-comment-id]");
    var text = selection.toString().replace(/\s+/g, " ").trim();
    lastSelection = body && text ? { text: text, commentId: body.dataset.commentId } : null;
  });

  document.querySelectorAll("[data-quote-helper]").forEach(function (helper) {
    var form = helper.closest("form");
    var button = helper.querySelector("[data-quote-button]");
    var status = helper.querySelector("[data-quote-status]");
    helper.hidden = false;
    // Keep the reader's selection when the button is pressed with a mouse.
    button.addEventListener("mousedown", function (event) { event.preventDefault(); });
    button.addEventListener("click", function () {
      if (!lastSelection) {
        status.textContent = "Select words in a comment first, then press the button.";
        return;
      }
      form.querySelector("[name=quote_text]").value = lastSelection.text.slice(0, 2000);
      form.querySelector("[data-quote-of]").value = lastSelection.commentId;
      status.textContent = "Quoted from comment #" + lastSelection.commentId + ".";
    });
  });

  // The moderation queue: tick or untick every item at once.
  document.querySelectorAll("[data-select-all]").forEach(function (label) {
    var box = label.querySelector("input");
    var form = label.closest("form");
    label.hidden = false;
    box.addEventListener("change", function () {
      form.querySelectorAll("[data-select]").forEach(function (item) {
        item.checked = box.checked;
      });
    });
  });

  // A link to a comment inside a collapsed branch opens the branch.
  function openTarget() {
    var target = location.hash && document.getElementById(location.hash.slice(1));
    for (var node = target && target.parentElement; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") node.open = true;
    }
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();

  // Opening a reply or flag form puts the cursor in it.
  document.querySelectorAll("details.action").forEach(function (details) {
    details.addEventListener("toggle", function () {
      var first = details.open && details.querySelector("textarea, input[type=radio]");
      if (first) first.focus();
    });
  });

  // A form sent back with errors: start at the list of what to fix.
  var summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
})();
