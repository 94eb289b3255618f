/* Progressive enhancement of the participant forms: in a group of fields whose item has kinds (an adjustment
   revises a goal, changes the cadence, ...), show only the fields of the kind chosen. Without this script
   every field shows, each saying which kinds it is for, and the server keeps only the chosen kind's. */
(function () {
    "use strict";
    function update(select) {
        var group = select.closest("fieldset");
        if (!group) { return; }
        Array.prototype.forEach.call(group.querySelectorAll("[data-kinds]"), function (field) {
            field.hidden = select.value === "" || field.getAttribute("data-kinds").split(" ").indexOf(select.value) < 0;
        });
    }
    function start() {
        Array.prototype.forEach.call(document.querySelectorAll("select[data-kind-switch]"), update);
        document.addEventListener("change", function (event) {
            if (event.target.matches && event.target.matches("select[data-kind-switch]")) { update(event.target); }
        });
        // "Print or save as PDF" on a closing summary: the browser's print dialog (the print stylesheet does the rest).
        document.addEventListener("click", function (event) {
            if (event.target.closest && event.target.closest("button[data-print]")) { window.print(); }
        });
    }
    if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());
