// Opens the folded sections around a linked element, so links between the map
// and the findings land on something visible. Nothing here fetches anything.
(function () {
  function reveal(id) {
    var el = id && document.getElementById(id);
    for (var p = el; p; p = p.parentElement) {
      if (p.tagName === "DETAILS") p.open = true;
    }
    if (el) el.scrollIntoView({block: "start"});
  }
  function fromHash() { reveal(decodeURIComponent(location.hash.slice(1))); }
  window.addEventListener("hashchange", fromHash);
  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest("a[href^='#']");
    if (a && a.getAttribute("href") === location.hash) reveal(location.hash.slice(1));
  });
  function all(open) {
    var ds = document.querySelectorAll("details");
    for (var i = 0; i < ds.length; i++) ds[i].open = open;
  }
  document.getElementById("expand").addEventListener("click", function () { all(true); });
  document.getElementById("collapse").addEventListener("click", function () { all(false); });
  var filter = document.getElementById("filter");
  filter.addEventListener("input", function () {
    var q = filter.value.trim().toLowerCase();
    var items = document.querySelectorAll("[data-name]");
    for (var i = 0; i < items.length; i++) {
      items[i].classList.toggle("hidden", q !== "" && items[i].getAttribute("data-name").indexOf(q) < 0);
    }
  });
  if (location.hash) fromHash();
})();
