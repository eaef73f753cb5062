/*
 * The structured rule editor: builds the condition tree editor from the vocabulary the
 * server publishes (never a list copied here), and writes the tree as JSON into the
 * hidden input the form submits. The server validates whatever arrives.
 * Also shows only the action inputs that belong to the chosen kind of action.
 * No inline scripts or handlers: everything is attached from this file.
 */
(function () {
  "use strict";

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(function ([key, value]) {
      if (key === "text") node.textContent = value;
      else if (value !== false && value !== null && value !== undefined) {
        node.setAttribute(key, value === true ? "" : value);
      }
    });
    (children || []).forEach(function (child) { node.appendChild(child); });
    return node;
  }

  function option(value, label, selected) {
    return el("option", { value: value, text: label, selected: !!selected });
  }

  function defaultValue(spec, op) {
    let value;
    if (!spec) value = "";
    else if (spec.kind === "boolean") value = true;
    else if (spec.kind === "choice") value = spec.choices.length ? spec.choices[0].value : "";
    else value = spec.minimum !== null ? spec.minimum : 0;
    if (op === "in") return spec && spec.kind === "integer" ? [] : [value];
    return value;
  }

  function ConditionEditor(box, vocab) {
    this.box = box;
    this.input = document.getElementById(box.dataset.target);
    this.vocab = vocab;
    this.fields = new Map(vocab.fields.map(function (f) { return [f.name, f]; }));
    try {
      this.tree = JSON.parse(this.input.value || '{"all": []}');
    } catch (error) {
      this.tree = { all: [] };
    }
    if (!this.tree || (!("all" in this.tree) && !("any" in this.tree))) {
      this.tree = { all: this.tree && this.tree.field ? [this.tree] : [] };
    }
    this.preview = el("p", { class: "condition-preview small mb-0 mt-2" });
    this.render();
  }

  ConditionEditor.prototype.sync = function () {
    this.input.value = JSON.stringify(this.tree);
    this.preview.textContent = "Fires when: " + this.describe(this.tree, true);
  };

  ConditionEditor.prototype.render = function () {
    this.box.replaceChildren(this.groupNode(this.tree, null, -1), this.preview);
    this.sync();
  };

  ConditionEditor.prototype.describe = function (node, top) {
    const self = this;
    if ("field" in node) {
      const spec = this.fields.get(node.field);
      const name = node.field.replace(/_/g, " ");
      const words = (this.vocab.operators[node.op] || node.op);
      const values = [].concat(node.value).map(function (v) {
        if (v === true) return "yes";
        if (v === false) return "no";
        if (spec && spec.kind === "choice") {
          const choice = spec.choices.find(function (c) { return c.value === v; });
          if (choice) return choice.label;
        }
        return String(v);
      });
      return name + " " + words + " " + (values.join(", ") || "(nothing chosen)");
    }
    const kind = "all" in node ? "all" : "any";
    const parts = node[kind].map(function (child) { return self.describe(child, false); });
    if (!parts.length) return kind === "all" ? "always" : "(an empty 'any' group)";
    const joined = parts.join(kind === "all" ? " AND " : " OR ");
    return top || parts.length === 1 ? joined : "(" + joined + ")";
  };

  ConditionEditor.prototype.groupNode = function (group, siblings, index) {
    const self = this;
    const kind = "all" in group ? "all" : "any";
    const kindSelect = el("select", { class: "form-control form-control-sm d-inline-block w-auto group-kind",
                                      "aria-label": "How the conditions combine" }, [
      option("all", "ALL of these are true", kind === "all"),
      option("any", "ANY of these is true", kind === "any"),
    ]);
    kindSelect.addEventListener("change", function () {
      const members = group[kind];
      delete group[kind];
      group[kindSelect.value] = members;
      self.render();
    });
    const header = el("div", { class: "group-header mb-1" }, [
      el("span", { class: "mr-2", text: siblings ? "A group where" : "The rule fires when" }),
      kindSelect,
    ]);
    if (siblings) {
      header.appendChild(this.removeButton(siblings, index, "Remove this group"));
    }
    const list = el("div", { class: "group-members" });
    group[kind].forEach(function (child, i) {
      list.appendChild("field" in child ? self.leafNode(child, group[kind], i)
                                        : self.groupNode(child, group[kind], i));
    });
    const addLeaf = el("button", { type: "button", class: "btn btn-sm btn-outline-primary mr-2 add-condition",
                                   text: "+ Condition" });
    addLeaf.addEventListener("click", function () {
      const spec = self.vocab.fields[0];
      group[kind].push({ field: spec.name, op: spec.operators[0], value: defaultValue(spec, spec.operators[0]) });
      self.render();
    });
    const addGroup = el("button", { type: "button", class: "btn btn-sm btn-outline-secondary add-group",
                                    text: "+ Group (all/any)" });
    addGroup.addEventListener("click", function () {
      group[kind].push({ any: [] });
      self.render();
    });
    return el("div", { class: "cond-group" + (siblings ? " nested" : "") },
              [header, list, el("div", { class: "mt-1" }, [addLeaf, addGroup])]);
  };

  ConditionEditor.prototype.removeButton = function (siblings, index, label) {
    const self = this;
    const button = el("button", { type: "button", class: "btn btn-sm btn-link text-danger remove",
                                  title: label, "aria-label": label, text: "✕ remove" });
    button.addEventListener("click", function () {
      siblings.splice(index, 1);
      self.render();
    });
    return button;
  };

  ConditionEditor.prototype.fieldSelect = function (leaf) {
    const select = el("select", { class: "form-control form-control-sm leaf-field", "aria-label": "Question" });
    const groups = new Map();
    this.vocab.fields.forEach(function (spec) {
      const title = (spec.section && this.vocab.sections[spec.section]) || "Other";
      if (!groups.has(title)) groups.set(title, el("optgroup", { label: title }));
      groups.get(title).appendChild(option(spec.name, spec.label + " [" + spec.name + "]",
                                           spec.name === leaf.field));
    }, this);
    groups.forEach(function (group) { select.appendChild(group); });
    if (!this.fields.has(leaf.field)) {  // keep it visible, so the server can name it
      select.insertBefore(option(leaf.field, "(unknown question: " + leaf.field + ")", true),
                          select.firstChild);
      select.classList.add("is-invalid");
    }
    return select;
  };

  ConditionEditor.prototype.valueInput = function (leaf, spec) {
    const self = this;
    let input;
    if (spec && spec.kind === "boolean") {
      input = el("select", { class: "form-control form-control-sm" },
                 [option("true", "yes", leaf.value === true), option("false", "no", leaf.value === false)]);
      input.addEventListener("change", function () { leaf.value = input.value === "true"; self.sync(); });
    } else if (spec && spec.kind === "choice") {
      const chosen = [].concat(leaf.value);
      input = el("select", { class: "form-control form-control-sm", multiple: leaf.op === "in",
                             size: leaf.op === "in" ? Math.min(spec.choices.length, 5) : false },
                 spec.choices.map(function (c) { return option(c.value, c.label, chosen.indexOf(c.value) >= 0); }));
      input.addEventListener("change", function () {
        const picked = Array.from(input.selectedOptions).map(function (o) { return o.value; });
        leaf.value = leaf.op === "in" ? picked : picked[0];
        self.sync();
      });
    } else if (leaf.op === "in") {
      input = el("input", { type: "text", class: "form-control form-control-sm",
                            placeholder: "whole numbers, e.g. 1, 2, 3", value: [].concat(leaf.value).join(", ") });
      input.addEventListener("input", function () {
        leaf.value = input.value.split(",").map(function (s) { return s.trim(); })
          .filter(Boolean).map(function (s) { return /^-?\d+$/.test(s) ? parseInt(s, 10) : s; });
        self.sync();
      });
    } else {
      input = el("input", { type: "number", step: 1, class: "form-control form-control-sm",
                            min: spec ? spec.minimum : false, max: spec ? spec.maximum : false,
                            value: leaf.value });
      input.addEventListener("input", function () {
        leaf.value = /^-?\d+$/.test(input.value) ? parseInt(input.value, 10) : input.value;
        self.sync();
      });
    }
    input.classList.add("leaf-value");
    input.setAttribute("aria-label", "Value");
    return input;
  };

  ConditionEditor.prototype.leafNode = function (leaf, siblings, index) {
    const self = this;
    const spec = this.fields.get(leaf.field);
    const fieldSelect = this.fieldSelect(leaf);
    fieldSelect.addEventListener("change", function () {
      const next = self.fields.get(fieldSelect.value);
      leaf.field = fieldSelect.value;
      if (next.operators.indexOf(leaf.op) < 0) leaf.op = next.operators[0];
      leaf.value = defaultValue(next, leaf.op);
      self.render();
    });
    const ops = spec ? spec.operators : [leaf.op];
    const opSelect = el("select", { class: "form-control form-control-sm leaf-op", "aria-label": "Test" },
                        ops.map(function (op) { return option(op, self.vocab.operators[op] || op, op === leaf.op); }));
    opSelect.addEventListener("change", function () {
      const wasList = leaf.op === "in";
      leaf.op = opSelect.value;
      if (leaf.op === "in" && !wasList) leaf.value = [leaf.value];
      if (leaf.op !== "in" && wasList) leaf.value = leaf.value.length ? leaf.value[0] : defaultValue(spec, leaf.op);
      self.render();
    });
    return el("div", { class: "form-row align-items-center leaf mb-1" }, [
      el("div", { class: "col-md-6" }, [fieldSelect]),
      el("div", { class: "col-md-2" }, [opSelect]),
      el("div", { class: "col-md-3" }, [this.valueInput(leaf, spec)]),
      el("div", { class: "col-md-1" }, [this.removeButton(siblings, index, "Remove this condition")]),
    ]);
  };

  function startConditionEditor(box) {
    fetch(box.dataset.vocabularyUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (vocab) { new ConditionEditor(box, vocab); })
      .catch(function () {
        box.textContent = "The condition editor could not load. Reload the page to try again.";
      });
  }

  function startActionForm(select) {
    const form = select.closest(".subform");
    function show() {
      form.querySelectorAll("[data-action-kind]").forEach(function (part) {
        part.hidden = part.dataset.actionKind !== select.value;
      });
    }
    select.addEventListener("change", show);
    show();
  }

  document.querySelectorAll(".condition-editor").forEach(startConditionEditor);
  document.querySelectorAll("select#action-type").forEach(startActionForm);
}());
