/** Accessible tabs (the ARIA tabs pattern): arrow keys, Home and End move between tabs, and the URL hash follows. */
export function tabs(list: HTMLElement, onShow?: (panelId: string) => void): void {
  const all = [...list.querySelectorAll<HTMLButtonElement>('[role="tab"]')];
  const select = (tab: HTMLButtonElement, focus: boolean) => {
    for (const t of all) {
      const selected = t === tab;
      t.setAttribute('aria-selected', String(selected));
      t.tabIndex = selected ? 0 : -1;
      const panel = document.getElementById(t.getAttribute('aria-controls') ?? '');
      if (panel) panel.hidden = !selected;
    }
    if (focus) tab.focus();
    const panelId = tab.getAttribute('aria-controls') ?? '';
    history.replaceState(null, '', `#${panelId.replace(/^view-/, '')}`);
    onShow?.(panelId);
  };
  for (const tab of all) {
    tab.addEventListener('click', () => select(tab, false));
    tab.addEventListener('keydown', (e) => {
      const i = all.indexOf(tab);
      const to: Readonly<Record<string, number>> = {
        ArrowRight: (i + 1) % all.length,
        ArrowLeft: (i - 1 + all.length) % all.length,
        Home: 0,
        End: all.length - 1,
      };
      if (e.key in to) {
        e.preventDefault();
        select(all[to[e.key]], true);
      }
    });
  }
  const wanted = all.find((t) => t.getAttribute('aria-controls') === `view-${location.hash.slice(1)}`);
  select(wanted ?? all[0], false);
}
