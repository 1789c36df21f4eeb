// VirtualTable keeps only the rows in view (and a margin) in a table's
// body, reusing them as the list scrolls or changes, so that a list of
// thousands of items updates as cheaply as one of thirty. Two spacer rows
// give the scrollbar the full list's height.
//
// Keyboard: the table is one tab stop (role grid); the arrow keys, Page
// Up/Down, Home and End move the active row (aria-activedescendant), and
// Enter or Space opens it.

const MARGIN = 8; // rows drawn beyond each edge of the view

export class VirtualTable {
  // scroller: the element that scrolls; table: the <table>; cells(item)
  // returns [text, className] per column; rowClass(item) a class for the
  // row; open(item) is called on click, Enter and Space.
  constructor({ scroller, table, cells, rowClass = () => '', open }) {
    this.scroller = scroller;
    this.table = table;
    this.body = table.tBodies[0];
    this.cells = cells;
    this.rowClass = rowClass;
    this.open = open;
    this.items = [];
    this.pool = [];
    this.rowHeight = 0;
    this.active = null; // the item the keys move from
    this.selected = null; // the item shown opened
    this.frame = 0;
    this.columns = table.tHead.rows[0].cells.length;
    this.top = this.spacer();
    this.bottom = this.spacer();
    this.body.replaceChildren(this.top, this.bottom);
    table.setAttribute('role', 'grid');
    table.tabIndex = 0;
    scroller.addEventListener('scroll', () => this.schedule(), { passive: true });
    addEventListener('resize', () => this.schedule());
    // The view also changes size without the window (a list bounded by
    // max-height grows with its first rows): draw what now fits.
    new ResizeObserver(() => this.schedule()).observe(scroller);
    table.addEventListener('keydown', (e) => this.key(e));
    table.addEventListener('focus', () => { if (!this.active && this.items.length) this.activate(this.items[0]); });
    this.body.addEventListener('click', (e) => {
      const tr = e.target.closest('tr');
      if (tr && tr.item) { this.activate(tr.item); this.open(tr.item); }
    });
  }

  spacer() {
    const tr = document.createElement('tr');
    tr.className = 'spacer';
    tr.setAttribute('aria-hidden', 'true');
    // One cell: a spacer spanning every column would keep hidden columns
    // in a fixed-layout table.
    tr.append(document.createElement('td'));
    return tr;
  }

  // set replaces the items.
  set(items) {
    this.items = items;
    if (!items.includes(this.active)) this.active = null;
    this.render();
  }

  // prepend puts items (newest first) at the top and keeps at most cap.
  // A reader scrolled down keeps seeing the same rows.
  prepend(items, cap) {
    const dropped = Math.max(0, this.items.length + items.length - cap);
    this.items = items.concat(dropped ? this.items.slice(0, this.items.length - dropped) : this.items).slice(0, cap);
    if (this.scroller.scrollTop > 0 && this.rowHeight) this.scroller.scrollTop += items.length * this.rowHeight;
    if (this.active && !this.items.includes(this.active)) this.active = null;
    this.render();
  }

  schedule() {
    if (!this.frame) this.frame = requestAnimationFrame(() => { this.frame = 0; this.render(); });
  }

  render() {
    const h = this.rowHeight || 30;
    const head = this.table.tHead.offsetHeight;
    const view = this.scroller.clientHeight;
    const first = Math.max(0, Math.floor((this.scroller.scrollTop - head) / h) - MARGIN);
    const n = Math.max(0, Math.min(this.items.length - first, Math.ceil(view / h) + 2 * MARGIN));
    while (this.pool.length < n) this.pool.push(this.row());
    while (this.pool.length > n) this.pool.pop().remove();
    for (let i = 0; i < n; i++) this.fill(this.pool[i], this.items[first + i], first + i);
    this.top.style.height = `${first * h}px`;
    this.bottom.style.height = `${(this.items.length - first - n) * h}px`;
    this.table.setAttribute('aria-rowcount', String(this.items.length + 1));
    this.markActive();
    if (!this.rowHeight && n) this.rowHeight = this.pool[0].getBoundingClientRect().height || 30;
  }

  row() {
    const tr = document.createElement('tr');
    for (let c = 0; c < this.columns; c++) tr.append(document.createElement('td'));
    this.bottom.before(tr);
    return tr;
  }

  fill(tr, item, index) {
    tr.setAttribute('aria-rowindex', String(index + 2));
    tr.id = `${this.table.id}-row-${index}`;
    if (tr.item === item) return;
    tr.item = item;
    tr.className = this.rowClass(item);
    const cells = this.cells(item);
    for (let c = 0; c < cells.length; c++) {
      const td = tr.cells[c];
      const [text, cls = ''] = cells[c];
      if (td.textContent !== text) td.textContent = text;
      if (td.className !== cls) td.className = cls;
    }
  }

  markActive() {
    let activeRow = null;
    for (const tr of this.pool) {
      const isActive = tr.item === this.active;
      tr.classList.toggle('active', isActive);
      if (tr.item === this.selected) tr.setAttribute('aria-selected', 'true');
      else tr.removeAttribute('aria-selected');
      if (isActive) activeRow = tr;
    }
    if (activeRow) this.table.setAttribute('aria-activedescendant', activeRow.id);
    else this.table.removeAttribute('aria-activedescendant');
  }

  activate(item) {
    this.active = item;
    this.reveal(this.items.indexOf(item));
    this.render();
  }

  select(item) {
    this.selected = item;
    this.markActive();
  }

  // reveal scrolls so that row index is in view.
  reveal(index) {
    const h = this.rowHeight || 30;
    const head = this.table.tHead.offsetHeight;
    const top = head + index * h;
    const s = this.scroller;
    if (top - head < s.scrollTop) s.scrollTop = top - head;
    else if (top + h > s.scrollTop + s.clientHeight) s.scrollTop = top + h - s.clientHeight;
  }

  key(e) {
    if (!this.items.length) return;
    const at = Math.max(0, this.items.indexOf(this.active));
    const page = Math.max(1, Math.floor(this.scroller.clientHeight / (this.rowHeight || 30)) - 1);
    const to = { ArrowDown: at + 1, ArrowUp: at - 1, PageDown: at + page, PageUp: at - page,
      Home: 0, End: this.items.length - 1 }[e.key];
    if (to !== undefined) {
      e.preventDefault();
      this.activate(this.items[Math.min(this.items.length - 1, Math.max(0, to))]);
    } else if ((e.key === 'Enter' || e.key === ' ') && this.active) {
      e.preventDefault();
      this.open(this.active);
    }
  }
}
