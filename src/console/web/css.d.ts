// esbuild loads style sheets as text (src/console/page.ts).
declare module '*.css' {
  const text: string;
  export default text;
}
