// Stylesheets imported as minified text (Vite's `?inline`; the tsup build does the same, see tsup.config.ts).
declare module '*.css?inline' {
  const css: string;
  export default css;
}
