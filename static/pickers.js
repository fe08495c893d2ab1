/* Typeahead pickers (crm/web/pickers; markup in crm/pickers/_input.html).
   The text box asks /pick/<kind>/?q= through htmx as the user types and shows
   the matches under it; choosing one (click, or arrows then Enter) writes its
   id into the hidden input the form posts (a multiple picker adds a chip with
   its own hidden input). Arrow keys move, Enter chooses, Escape closes,
   Backspace in an empty multiple picker removes the last chip.
   No inline script (CSP): everything is delegated from the document, so forms
   htmx swaps in work too. Loaded by templates/base.html after htmx. */
(function () {
  "use strict";

  function pickerOf(element) {
    return element && element.closest ? element.closest("[data-picker]") : null;
  }
  function parts(picker) {
    return {
      input: picker.querySelector("[data-picker-input]"),
      list: picker.querySelector("[data-picker-matches]"),
      value: picker.querySelector("[data-picker-value]"),
      chosen: picker.querySelector("[data-picker-chosen]")
    };
  }
  function options(list) {
    return Array.prototype.slice.call(list.querySelectorAll("[role=option]"));
  }
  function isMultiple(picker) {
    return picker.hasAttribute("data-multiple");
  }
  function chosenValues(picker) {
    var p = parts(picker);
    if (!isMultiple(picker)) return p.value.value ? [p.value.value] : [];
    return Array.prototype.map.call(p.chosen.querySelectorAll("input[type=hidden]"), function (input) {
      return input.value;
    });
  }

  function show(picker, open) {
    var p = parts(picker);
    p.list.hidden = !open;
    p.input.setAttribute("aria-expanded", open ? "true" : "false");
    if (!open) setActive(picker, -1);
  }
  function setActive(picker, index) {
    var p = parts(picker);
    var all = options(p.list);
    all.forEach(function (option, i) {
      option.classList.toggle("active", i === index);
    });
    if (index >= 0 && all[index]) {
      p.input.setAttribute("aria-activedescendant", all[index].id);
      all[index].scrollIntoView({ block: "nearest" });
    } else {
      p.input.removeAttribute("aria-activedescendant");
    }
  }
  function activeIndex(picker) {
    return options(parts(picker).list).findIndex(function (option) {
      return option.classList.contains("active");
    });
  }

  function addChip(picker, value, label) {
    var p = parts(picker);
    if (chosenValues(picker).indexOf(value) !== -1) return;
    var chip = document.createElement("span");
    chip.className = "picker-chip";
    chip.setAttribute("role", "listitem");
    chip.dataset.value = value;
    var hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = picker.dataset.name;
    hidden.value = value;
    var text = document.createElement("span");
    text.textContent = label;
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "link";
    remove.setAttribute("data-picker-remove", "");
    remove.setAttribute("aria-label", picker.dataset.removeLabel + " " + label);
    remove.textContent = "\u00d7";
    chip.appendChild(hidden);
    chip.appendChild(text);
    chip.appendChild(document.createTextNode(" "));
    chip.appendChild(remove);
    p.chosen.appendChild(chip);
  }

  function choose(picker, option) {
    var p = parts(picker);
    var value = option.dataset.value;
    var label = option.dataset.label;
    if (isMultiple(picker)) {
      addChip(picker, value, label);
      p.input.value = "";
    } else {
      p.value.value = value;
      p.input.value = label;
      p.input.dataset.chosenLabel = label;
    }
    show(picker, false);
    p.value && p.value.dispatchEvent(new Event("change", { bubbles: true }));
  }

  /* The typed text goes as ?q= (the text box has no name: the hidden input is
     the form's value). A single picker still showing its chosen record's name
     asks with nothing typed, so that opening it lists the first records. */
  document.addEventListener("htmx:configRequest", function (event) {
    var input = event.detail.elt;
    if (!(input && input.matches && input.matches("[data-picker-input]"))) return;
    var typed = input.value.trim();
    var picker = pickerOf(input);
    if (!isMultiple(picker) && parts(picker).value.value && typed === (input.dataset.chosenLabel || input.defaultValue)) {
      typed = "";
    }
    event.detail.parameters.q = typed;
  });

  /* The matches arrived: number them for aria-activedescendant, tick what is
     chosen already, and open the list if the user is still in the box. */
  document.addEventListener("htmx:afterSwap", function (event) {
    var list = event.detail.target;
    if (!(list && list.matches && list.matches("[data-picker-matches]"))) return;
    var picker = pickerOf(list);
    var chosen = chosenValues(picker);
    options(list).forEach(function (option, i) {
      option.id = list.id + "-" + i;
      option.setAttribute("aria-selected", chosen.indexOf(option.dataset.value) !== -1 ? "true" : "false");
    });
    show(picker, document.activeElement === parts(picker).input);
  });

  /* Typing in a single picker forgets the record chosen before: what the box
     shows and what the form posts stay the same thing. */
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!(input.matches && input.matches("[data-picker-input]"))) return;
    var picker = pickerOf(input);
    if (!isMultiple(picker) && input.value !== input.dataset.chosenLabel) {
      parts(picker).value.value = "";
      input.dataset.chosenLabel = "";
    }
  });

  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!(input.matches && input.matches("[data-picker-input]"))) return;
    var picker = pickerOf(input);
    var p = parts(picker);
    var all = options(p.list);
    var index = activeIndex(picker);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (p.list.hidden) {
        if (all.length) show(picker, true);
        else window.htmx.trigger(input, "focus");
        return;
      }
      if (!all.length) return;
      var step = event.key === "ArrowDown" ? 1 : -1;
      setActive(picker, (index + step + all.length) % all.length);
    } else if (event.key === "Enter") {
      if (p.list.hidden || !all.length) return;
      // Enter in an open list chooses; it does not submit the form.
      event.preventDefault();
      choose(picker, all[index >= 0 ? index : 0]);
    } else if (event.key === "Escape") {
      if (!p.list.hidden) {
        event.preventDefault();
        show(picker, false);
      }
    } else if (event.key === "Backspace" && isMultiple(picker) && !input.value) {
      var chips = p.chosen.querySelectorAll(".picker-chip");
      if (chips.length) chips[chips.length - 1].remove();
    }
  });

  // Keep the focus in the box while a match is clicked, then choose it.
  document.addEventListener("mousedown", function (event) {
    if (event.target.closest && event.target.closest("[data-picker-matches]")) event.preventDefault();
  });
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!target.closest) return;
    var option = target.closest("[data-picker-matches] [role=option]");
    if (option) {
      choose(pickerOf(option), option);
      return;
    }
    var remove = target.closest("[data-picker-remove]");
    if (remove && pickerOf(remove)) {
      var picker = pickerOf(remove);
      remove.closest(".picker-chip").remove();
      parts(picker).input.focus();
    }
  });

  /* Leaving the picker closes its list; a single picker whose text names no
     chosen record is emptied, as that is what the form would post. */
  document.addEventListener("focusout", function (event) {
    var picker = pickerOf(event.target);
    if (!picker) return;
    window.setTimeout(function () {
      if (picker.contains(document.activeElement)) return;
      show(picker, false);
      var p = parts(picker);
      if (!isMultiple(picker) && !p.value.value) p.input.value = "";
    }, 0);
  });
})();
