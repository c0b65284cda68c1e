// Progressive enhancement only: pages are complete without this file.
(function () {
  function renderMath() {
    if (typeof window.renderMathInElement !== "function") return;
    document.querySelectorAll(".math").forEach(function (el) {
      window.renderMathInElement(el, {
        delimiters: [
          { left: "$$", right: "$$", display: true },
          { left: "\\[", right: "\\]", display: true },
          { left: "$", right: "$", display: false },
          { left: "\\(", right: "\\)", display: false }
        ],
        throwOnError: false,
        // Bounds for math anyone can write (comments): sizes such as \rule{3000px}{3000px} are capped at
        // 10 em, macro expansion at 200 steps (a macro bomb stops there), and no \href, \url or \html* commands.
        maxSize: 10,
        maxExpand: 200,
        trust: false,
        // Shorthands arXiv authors define in their preambles and use in abstracts.
        macros: { "\\Q": "\\mathbb{Q}", "\\R": "\\mathbb{R}", "\\Z": "\\mathbb{Z}",
                  "\\N": "\\mathbb{N}", "\\C": "\\mathbb{C}" },
        ignoredTags: ["script", "noscript", "style", "textarea", "pre", "code", "option"]
      });
    });
  }
  function themeToggle() {
    var button = document.querySelector(".theme-toggle");
    if (!button) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var root = document.documentElement;
      var current = root.getAttribute("data-theme") ||
        (window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light");
      var next = current === "dark" ? "light" : "dark";
      root.setAttribute("data-theme", next);
      try { localStorage.setItem("dailypapers-theme", next); } catch (e) { /* ignore */ }
    });
  }
  document.addEventListener("DOMContentLoaded", function () { renderMath(); themeToggle(); });
})();
