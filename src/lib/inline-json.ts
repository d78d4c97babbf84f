// JSON carried in a page, in a <script type="application/json"> block: data, never executed, so
// it stays within a Content-Security-Policy that allows no inline scripts.

/**
 * JSON text made safe to place between <script type="application/json"> and </script>: every `<`
 * is written as the JSON escape \u003c (it can only occur inside strings), so the text can hold
 * neither `</script>` nor `<!--`. JSON.parse gives back exactly the same value.
 */
export function jsonForScriptBlock(text: string): string {
  JSON.parse(text); // fail the build on a file that is not JSON, not the chart in a reader's browser
  return text.replace(/</g, '\\u003c');
}
