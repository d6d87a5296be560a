// Finds every regular expression written in a TypeScript source file, read with TypeScript's own parser: literals,
// `new RegExp(…)` / `RegExp(…)`, and string patterns handed to `.match`, `.matchAll` and `.search` (which build a
// RegExp from a string). A pattern assembled from constants of the same file is resolved to its text; anything
// else is reported as dynamic, to be judged by a reader.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import ts from 'typescript';

/** A regular expression found in a source file: its text (`source`/`flags`) or, when built at run time, `dynamic`. */
export type FoundRegex = {
  /** Repository-relative path and 1-based line, `supabase/functions/x.ts:12`. */
  where: string;
  source?: string;
  flags?: string;
  /** The constructor call's code when its pattern is not a constant. */
  dynamic?: string;
};

/** Every `.ts`/`.tsx` file under `dir`, skipping `node_modules`. */
export async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries
      .filter((e) => e.name !== 'node_modules')
      .map((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : Promise.resolve([join(dir, e.name)]))),
  );
  return nested.flat().filter((file) => /\.tsx?$/.test(file) && !file.endsWith('.d.ts'));
}

/** The regular expressions of one file, `root` naming the directory paths are written relative to. */
export async function regexesIn(file: string, root: string): Promise<FoundRegex[]> {
  return regexesInText(await readFile(file, 'utf8'), relative(root, file));
}

/** The regular expressions of a TypeScript source text; `name` is its path (`.tsx` is read as TSX). */
export function regexesInText(text: string, name: string): FoundRegex[] {
  const kind = name.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const sourceFile = ts.createSourceFile(name, text, ts.ScriptTarget.Latest, true, kind);
  const constants = constantStrings(sourceFile);
  const found: FoundRegex[] = [];
  const where = (node: ts.Node) =>
    `${name}:${sourceFile.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;

  const visit = (node: ts.Node) => {
    if (ts.isRegularExpressionLiteral(node)) {
      const slash = node.text.lastIndexOf('/');
      found.push({
        where: where(node),
        source: node.text.slice(1, slash),
        flags: node.text.slice(slash + 1),
      });
    } else if (isRegExpConstruction(node)) {
      const [pattern, flags] = node.arguments ?? [];
      // `new RegExp(/literal/, 'g')`: the literal is found on its own.
      if (pattern && !ts.isRegularExpressionLiteral(pattern)) {
        const source = stringValue(pattern, constants);
        const flagText = flags ? stringValue(flags, constants) : '';
        if (source === undefined || flagText === undefined)
          found.push({ where: where(node), dynamic: node.getText() });
        else found.push({ where: where(node), source, flags: flagText });
      }
    } else if (isStringPatternCall(node)) {
      const source = stringValue(node.arguments[0] as ts.Expression, constants);
      if (source !== undefined) found.push({ where: where(node), source, flags: '' });
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return found;
}

function isRegExpConstruction(node: ts.Node): node is ts.NewExpression | ts.CallExpression {
  if (!ts.isNewExpression(node) && !ts.isCallExpression(node)) return false;
  const callee = node.expression;
  if (ts.isIdentifier(callee)) return callee.text === 'RegExp';
  return ts.isPropertyAccessExpression(callee) && callee.name.text === 'RegExp';
}

/** `text.match('a+')`, `.matchAll`, `.search`: JavaScript turns a string argument into a RegExp. */
function isStringPatternCall(node: ts.Node): node is ts.CallExpression {
  if (!ts.isCallExpression(node) || !ts.isPropertyAccessExpression(node.expression)) return false;
  const [first] = node.arguments;
  return (
    ['match', 'matchAll', 'search'].includes(node.expression.name.text) &&
    first !== undefined &&
    (ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first) || ts.isTemplateExpression(first))
  );
}

/** `const name = <string>` declarations of the file (a name declared twice is left out: which one is meant?). */
function constantStrings(sourceFile: ts.SourceFile): Map<string, ts.Expression> {
  const declared = new Map<string, ts.Expression>();
  const twice = new Set<string>();
  const visit = (node: ts.Node) => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name)) {
      const list = node.parent;
      const isConst = ts.isVariableDeclarationList(list) && (list.flags & ts.NodeFlags.Const) !== 0;
      if (declared.has(node.name.text) || !isConst || !node.initializer) twice.add(node.name.text);
      else declared.set(node.name.text, node.initializer);
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  for (const name of twice) declared.delete(name);
  return declared;
}

/** The value of a string expression made only of literals and the file's string constants, else undefined. */
function stringValue(
  node: ts.Expression,
  constants: Map<string, ts.Expression>,
  depth = 0,
): string | undefined {
  if (depth > 20) return undefined;
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isParenthesizedExpression(node) || ts.isAsExpression(node)) {
    return stringValue(node.expression, constants, depth + 1);
  }
  if (ts.isIdentifier(node)) {
    const initializer = constants.get(node.text);
    return initializer && stringValue(initializer, constants, depth + 1);
  }
  if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    const left = stringValue(node.left, constants, depth + 1);
    const right = stringValue(node.right, constants, depth + 1);
    return left === undefined || right === undefined ? undefined : left + right;
  }
  if (ts.isTemplateExpression(node)) {
    let text = node.head.text;
    for (const span of node.templateSpans) {
      const value = stringValue(span.expression, constants, depth + 1);
      if (value === undefined) return undefined;
      text += value + span.literal.text;
    }
    return text;
  }
  return undefined;
}
