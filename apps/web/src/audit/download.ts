/**
 * Save text as a file through the browser's download (an object URL on a temporary link). CSV gets a UTF-8
 * byte order mark so Excel reads the Chinese right (fetch's text() drops the one the API sent).
 */
export function downloadText(filename: string, text: string, type = 'text/plain;charset=utf-8') {
  const body = type.startsWith('text/csv') && !text.startsWith('\uFEFF') ? `\uFEFF${text}` : text;
  const url = URL.createObjectURL(new Blob([body], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  document.body.append(a);
  try {
    a.click();
  } finally {
    a.remove();
    // Revoked after the click has been handled (some browsers read the URL asynchronously).
    setTimeout(() => URL.revokeObjectURL(url), 0);
  }
}

/** A file-name-safe stamp of now, `2026-11-21T04-00-00Z`. */
export const fileStamp = (d = new Date()) =>
  d
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-');
