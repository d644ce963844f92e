// Interactivity for the spacetime diagram. DIAGRAM (set by the page) is the
// diagram as data: lanes, times, ticks (with their facts), arrows, marks.
(function () {
  "use strict";
  var svg = document.getElementById("spacetime");
  var details = document.getElementById("details");

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }

  function factList(title, facts) {
    var box = document.createElement("div");
    box.appendChild(el("h3", title + " (" + (facts ? facts.length : 0) + ")"));
    if (!facts || facts.length === 0) {
      box.appendChild(el("div", "none", "none"));
      return box;
    }
    var ul = document.createElement("ul");
    facts.forEach(function (f) { ul.appendChild(el("li", f)); });
    box.appendChild(ul);
    return box;
  }

  function select(node) {
    svg.querySelectorAll(".selected").forEach(function (n) { n.classList.remove("selected"); });
    node.classList.add("selected");
  }

  function showTick(i) {
    var t = DIAGRAM.ticks[i];
    details.textContent = "";
    details.appendChild(el("h3", DIAGRAM.lanes[t.lane].name + " tick #" + t.number + " at @" + t.time));
    details.appendChild(factList("consumed (delivered for this tick)", t.consumed));
    details.appendChild(factList("produced (carried, new)", t.produced));
    details.appendChild(factList("outputs", t.outputs));
    details.appendChild(el("div", "messages sent: " + (t.sends || 0)));
    if (t.dumped) {
      details.appendChild(factList("dump (every fact of the tick)", t.dump));
    } else {
      details.appendChild(el("div", "no dump: run with --dump REL (or --dump '*') to list every fact", "none"));
    }
    details.setAttribute("data-shown", "tick " + i);
  }

  function showArrow(i) {
    var a = DIAGRAM.arrows[i];
    details.textContent = "";
    details.appendChild(el("h3", a.kind + " " + a.id));
    details.appendChild(el("div", DIAGRAM.lanes[a.from].name + " -> " + DIAGRAM.lanes[a.to].name));
    details.appendChild(el("div", "fact: " + a.fact));
    details.appendChild(el("div", "sent @" + a.start + ", " + (a.kind === "drop" ? "dropped" : "arrives") + " @" + a.end));
    if (a.reason) details.appendChild(el("div", "lost: " + a.reason));
    if (a.dup) details.appendChild(el("div", "duplicate copy"));
    details.setAttribute("data-shown", "arrow " + i);
  }

  svg.querySelectorAll("circle.tick").forEach(function (c) {
    c.addEventListener("click", function () { select(c); showTick(Number(c.getAttribute("data-tick"))); });
  });
  svg.querySelectorAll("[data-arrow]").forEach(function (a) {
    a.addEventListener("click", function () { select(a); showArrow(Number(a.getAttribute("data-arrow"))); });
  });

  // A link such as out.html#tick=3 opens with that tick's facts shown.
  var m = /^#tick=(\d+)$/.exec(location.hash);
  if (m && DIAGRAM.ticks[Number(m[1])]) {
    var c = svg.querySelector('circle.tick[data-tick="' + m[1] + '"]');
    if (c) select(c);
    showTick(Number(m[1]));
  }

  // Record what the rendered drawing holds, so that a test (or a reader)
  // can check the page against the trace.
  var lanes = [];
  svg.querySelectorAll("g.lane").forEach(function (g) { lanes.push(g.getAttribute("data-lane")); });
  var count = function (sel) { return svg.querySelectorAll(sel).length; };
  var summary = document.getElementById("summary");
  var s = {
    lanes: lanes.length,
    ticks: count("circle.tick"),
    messages: count("path.arrow.message"),
    drops: count("g.drop"),
    inputs: count("path.arrow.input"),
    outputs: count("path.arrow.output"),
    crashes: count("g.mark.crash")
  };
  Object.keys(s).forEach(function (k) { summary.setAttribute("data-" + k, String(s[k])); });
  summary.setAttribute("data-lane-names", lanes.join(","));
  summary.setAttribute("data-rendered", "yes");
  summary.textContent = "rendered: " + s.lanes + " lanes (" + lanes.join(", ") + "), " + s.ticks + " ticks, " +
    s.messages + " message arrows, " + s.drops + " drops, " + s.inputs + " inputs, " + s.outputs + " outputs, " + s.crashes + " crashes";
})();
