// The module the client-scripts integration provides to pages (src/build/client-scripts.ts).
declare module 'virtual:client-scripts' {
  /** The URL of the bundled classic script made from src/scripts/<name>.ts. */
  export function clientScript(name: string): string;
}
