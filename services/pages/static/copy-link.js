// The "copy link" buttons: shown only where the clipboard can be written; without script the
// read-only field stays, to select and copy by hand.
for (const button of document.querySelectorAll("button[data-copy]")) {
  const field = document.getElementById(button.dataset.copy);
  const status = document.querySelector(`[data-copy-status="${button.dataset.copy}"]`);
  if (!field || !navigator.clipboard) continue;
  button.hidden = false;
  button.addEventListener("click", async () => {
    field.select();
    try {
      await navigator.clipboard.writeText(field.value);
      if (status) status.textContent = button.dataset.copied;
    } catch {
      document.execCommand("copy");
    }
  });
}
