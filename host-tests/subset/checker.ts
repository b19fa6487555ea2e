// The restricted-subset checker: walks src/core with the TypeScript compiler API and reports
// every construct docs/subset.md keeps out of the core, as `file:line: rule: text`.
//
// Where a rule applies:
// - "always" rules apply everywhere in the checked files.
// - "hot" rules apply on the hot path: every function body, except constructors, class field
//   initializers, static blocks, module top level (runs once at load) and functions marked cold
//   with a `/* cold */` comment right before them (nested functions inherit nothing: a closure
//   made in a constructor is called later, so its body is hot unless it is marked cold too).
// - `throw` is allowed only in constructors and cold functions: set-up misuse (a negative
//   capacity, say) is a programmer error worth stopping on, while protocol errors, which reach
//   hot code, are returned as negated reason codes.
import ts from 'typescript';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Rules that apply everywhere (throw: everywhere except constructors and cold functions). */
export const ALWAYS_RULES = [
  'any', 'as-unknown-as', 'non-null', 'async', 'promise', 'generator', 'for-of', 'array-destructuring',
  'map-set', 'regexp', 'json', 'intl', 'date', 'math-random', 'buffer', 'process', 'require', 'global-this',
  'timer', 'console', 'text-codec', 'bigint', 'symbol', 'proxy', 'reflect', 'eval', 'with', 'delete',
  'computed-name', 'import-outside', 'throw', 'module-state', 'fields',
] as const;

/** Rules that apply on the hot path only. */
export const HOT_RULES = [
  'new', 'array-literal', 'object-literal', 'spread', 'rest-parameter', 'arguments', 'closure',
  'string-concat', 'template-literal', 'to-string', 'string-method', 'typed-array-view', 'array-growth',
  'array-copy', 'try-catch', 'typeof',
] as const;

export type Rule = (typeof ALWAYS_RULES)[number] | (typeof HOT_RULES)[number];
export const RULES: readonly Rule[] = [...ALWAYS_RULES, ...HOT_RULES];

export interface Violation {
  /** Absolute path of the file. */
  file: string;
  /** 1-based line. */
  line: number;
  rule: Rule;
  text: string;
}

/** Globals the core may not name, and the rule each one breaks. */
const FORBIDDEN_GLOBALS: Record<string, Rule> = {
  Promise: 'promise',
  Map: 'map-set', Set: 'map-set', WeakMap: 'map-set', WeakSet: 'map-set',
  RegExp: 'regexp', JSON: 'json', Intl: 'intl', Date: 'date',
  Buffer: 'buffer', process: 'process', require: 'require',
  globalThis: 'global-this', global: 'global-this',
  setTimeout: 'timer', setInterval: 'timer', setImmediate: 'timer', clearTimeout: 'timer',
  clearInterval: 'timer', clearImmediate: 'timer', queueMicrotask: 'timer',
  console: 'console', TextEncoder: 'text-codec', TextDecoder: 'text-codec',
  BigInt: 'bigint', BigInt64Array: 'bigint', BigUint64Array: 'bigint',
  Symbol: 'symbol', Proxy: 'proxy', Reflect: 'reflect', eval: 'eval', Function: 'eval',
};

const TYPED_ARRAYS = new Set([
  'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array',
  'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array', 'ArrayBuffer',
]);
const STRING_METHODS = new Set([
  'split', 'slice', 'substring', 'substr', 'concat', 'repeat', 'padStart', 'padEnd', 'trim', 'trimStart',
  'trimEnd', 'toUpperCase', 'toLowerCase', 'replace', 'replaceAll', 'normalize', 'at', 'charAt',
]);
const ARRAY_GROWTH = new Set(['push', 'pop', 'shift', 'unshift', 'splice']);
const ARRAY_COPY = new Set(['slice', 'concat', 'map', 'filter', 'flat', 'flatMap', 'toSorted', 'toReversed', 'toSpliced', 'with']);
const TO_STRING = new Set(['toString', 'toFixed', 'toPrecision', 'toExponential', 'toLocaleString']);
/** Methods that change their receiver: calling one on a module-level table is a write. */
const MUTATORS = new Set(['fill', 'set', 'copyWithin', 'sort', 'reverse', 'push', 'pop', 'shift', 'unshift', 'splice']);
const DATAVIEW_SETTER = /^set(Int|Uint|Float|BigInt|BigUint)\d+$/;
const COLD_COMMENT = /^\/\*\s*cold\s*\*\/$/;

type FunctionLike =
  | ts.FunctionDeclaration | ts.FunctionExpression | ts.ArrowFunction | ts.MethodDeclaration
  | ts.ConstructorDeclaration | ts.GetAccessorDeclaration | ts.SetAccessorDeclaration;

interface Context {
  /** Hot-path rules apply. */
  hot: boolean;
  /** Innermost enclosing function (undefined at module top level, in field initializers and static blocks). */
  fn: FunctionLike | undefined;
  /** Inside a constructor or a cold function: throw is allowed. */
  setup: boolean;
  /** Inside a module-private function that is only ever called from module top level. */
  loadTime: boolean;
}

function isFunctionLike(node: ts.Node): node is FunctionLike {
  return ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node) || ts.isArrowFunction(node) ||
    ts.isMethodDeclaration(node) || ts.isConstructorDeclaration(node) || ts.isGetAccessorDeclaration(node) ||
    ts.isSetAccessorDeclaration(node);
}

/** Finds tsconfig.core.json in `from` or a parent directory. */
export function findCoreConfig(from: string): string | undefined {
  let dir = path.resolve(from);
  for (;;) {
    const candidate = path.join(dir, 'tsconfig.core.json');
    if (fs.existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The compiler options of tsconfig.core.json (found from `from` upward), made fit for checking. */
export function coreCompilerOptions(from: string): ts.CompilerOptions {
  let options: ts.CompilerOptions = { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022, strict: true, lib: ['lib.es2022.d.ts'], types: [] };
  const config = findCoreConfig(from);
  if (config !== undefined) {
    const read = ts.readConfigFile(config, ts.sys.readFile);
    if (read.error === undefined) {
      options = ts.parseJsonConfigFileContent(read.config, ts.sys, path.dirname(config), undefined, config).options;
    }
  }
  return { ...options, noEmit: true, moduleDetection: ts.ModuleDetectionKind.Force };
}

/** Every .ts file under dir (or dir itself when it is a file), sorted. */
export function listSources(dir: string): string[] {
  const out: string[] = [];
  const walk = (p: string): void => {
    const st = fs.statSync(p);
    if (st.isDirectory()) {
      for (const name of fs.readdirSync(p).sort()) walk(path.join(p, name));
    } else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) {
      out.push(path.resolve(p));
    }
  };
  walk(dir);
  return out;
}

export interface CheckOptions {
  /** Imports must resolve inside this directory (default: the directory checked). */
  root?: string;
  /** Compiler options (default: those of tsconfig.core.json found from the root upward). */
  compilerOptions?: ts.CompilerOptions;
}

/** Checks every .ts file under `dir` (a directory or one file). */
export function checkPath(dir: string, opts: CheckOptions = {}): Violation[] {
  const abs = path.resolve(dir);
  const root = opts.root ?? (fs.statSync(abs).isDirectory() ? abs : path.dirname(abs));
  return checkFiles(listSources(abs), { ...opts, root });
}

/** Checks the given files in one program; violations sorted by file, line, rule. */
export function checkFiles(files: string[], opts: CheckOptions = {}): Violation[] {
  const absFiles = files.map((f) => path.resolve(f));
  const root = path.resolve(opts.root ?? (absFiles.length > 0 ? path.dirname(absFiles[0]) : '.'));
  const program = ts.createProgram(absFiles, opts.compilerOptions ?? coreCompilerOptions(root));
  const checker = program.getTypeChecker();
  const out: Violation[] = [];
  for (const file of absFiles) {
    const sf = program.getSourceFile(file);
    if (sf === undefined) continue;
    new FileChecker(program, checker, sf, root, out).run();
  }
  out.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0)));
  return out;
}

/** One violation as the command line prints it. */
export function formatViolation(v: Violation, cwd: string = process.cwd()): string {
  return `${path.relative(cwd, v.file)}:${v.line}: ${v.rule}: ${v.text}`;
}

class FileChecker {
  private readonly seen = new Set<string>();
  private readonly loadHelpers = new Map<ts.Node, boolean>();

  constructor(
    private readonly program: ts.Program,
    private readonly checker: ts.TypeChecker,
    private readonly sf: ts.SourceFile,
    private readonly root: string,
    private readonly out: Violation[],
  ) {}

  run(): void {
    const top: Context = { hot: false, fn: undefined, setup: false, loadTime: false };
    for (const stmt of this.sf.statements) this.visit(stmt, top);
  }

  private report(node: ts.Node, rule: Rule, text: string): void {
    const line = this.sf.getLineAndCharacterOfPosition(node.getStart(this.sf)).line + 1;
    const key = `${line}:${node.getStart(this.sf)}:${rule}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.out.push({ file: this.sf.fileName, line, rule, text });
  }

  private snippet(node: ts.Node): string {
    const s = node.getText(this.sf).replace(/\s+/g, ' ');
    return s.length > 60 ? `${s.slice(0, 57)}...` : s;
  }

  private visit(node: ts.Node, ctx: Context): void {
    if (isFunctionLike(node)) {
      this.checkFunctionCreation(node, ctx);
      const inner = this.functionContext(node);
      ts.forEachChild(node, (child) => this.visit(child, inner));
      return;
    }
    if (ts.isClassDeclaration(node) || ts.isClassExpression(node)) {
      this.checkClass(node, ctx);
      // Decorators, heritage and names in the current context; members in their own.
      for (const member of node.members) {
        if (ts.isPropertyDeclaration(member) || ts.isClassStaticBlockDeclaration(member)) {
          const init: Context = { hot: false, fn: undefined, setup: true, loadTime: false };
          this.checkNode(member, init);
          ts.forEachChild(member, (child) => this.visit(child, init));
        } else {
          this.visit(member, ctx);
        }
      }
      if (node.heritageClauses !== undefined) for (const h of node.heritageClauses) this.visit(h, ctx);
      return;
    }
    this.checkNode(node, ctx);
    ts.forEachChild(node, (child) => this.visit(child, ctx));
  }

  private functionContext(fn: FunctionLike): Context {
    if (ts.isConstructorDeclaration(fn)) return { hot: false, fn, setup: true, loadTime: false };
    if (this.isCold(fn)) return { hot: false, fn, setup: true, loadTime: this.isLoadHelper(fn) };
    return { hot: true, fn, setup: false, loadTime: this.isLoadHelper(fn) };
  }

  /** A `/* cold *\/` comment among the trivia before the function, its modifiers, its `function` keyword or its name. */
  private isCold(fn: FunctionLike): boolean {
    const starts = [fn.pos];
    if (fn.modifiers !== undefined) for (const m of fn.modifiers) starts.push(m.end);
    if (fn.name !== undefined) starts.push(fn.name.pos);
    // `const f = /* cold */ () => ...`, or the comment before the whole `const` statement.
    const parent = fn.parent;
    if (ts.isVariableDeclaration(parent) && ts.isVariableDeclarationList(parent.parent) && ts.isVariableStatement(parent.parent.parent)) {
      starts.push(parent.parent.parent.pos);
    }
    if (ts.isPropertyDeclaration(parent) || ts.isPropertyAssignment(parent)) starts.push(parent.pos);
    // The `function` keyword is not a node: scan the tokens from the function's start to its name or `(`.
    const text = this.sf.text;
    for (const start of starts) {
      const scanner = ts.createScanner(ts.ScriptTarget.Latest, false, ts.LanguageVariant.Standard, text, undefined, start);
      for (let i = 0; i < 16; i++) {
        const tok = scanner.scan();
        if (tok === ts.SyntaxKind.MultiLineCommentTrivia && COLD_COMMENT.test(scanner.getTokenText())) return true;
        if (tok === ts.SyntaxKind.EndOfFileToken || tok === ts.SyntaxKind.OpenParenToken || tok === ts.SyntaxKind.OpenBraceToken ||
          tok === ts.SyntaxKind.EqualsGreaterThanToken || tok === ts.SyntaxKind.Identifier) break;
      }
    }
    return false;
  }

  /**
   * A module-private function declared at top level whose every use is a direct call made at
   * module top level: it runs only while the module loads, so it may fill module tables.
   */
  private isLoadHelper(fn: FunctionLike): boolean {
    if (!ts.isFunctionDeclaration(fn) || fn.parent !== this.sf || fn.name === undefined) return false;
    const cached = this.loadHelpers.get(fn);
    if (cached !== undefined) return cached;
    let ok = !(ts.getCombinedModifierFlags(fn) & ts.ModifierFlags.Export);
    const symbol = this.checker.getSymbolAtLocation(fn.name);
    if (symbol === undefined) ok = false;
    const visit = (node: ts.Node, inFunction: boolean): void => {
      if (!ok) return;
      if (ts.isIdentifier(node) && node !== fn.name && this.checker.getSymbolAtLocation(node) === symbol) {
        if (inFunction || !ts.isCallExpression(node.parent) || node.parent.expression !== node) ok = false;
      }
      const nowIn = inFunction || isFunctionLike(node) || ts.isClassStaticBlockDeclaration(node) || ts.isPropertyDeclaration(node);
      ts.forEachChild(node, (child) => visit(child, nowIn));
    };
    if (ok) visit(this.sf, false);
    this.loadHelpers.set(fn, ok);
    return ok;
  }

  /** Closures, generators, async functions and rest parameters, judged where the function is created. */
  private checkFunctionCreation(fn: FunctionLike, ctx: Context): void {
    if (ctx.hot && (ts.isArrowFunction(fn) || ts.isFunctionExpression(fn) || (ts.isFunctionDeclaration(fn) && ctx.fn !== undefined))) {
      this.report(fn, 'closure', `function created on the hot path: ${this.snippet(fn)}`);
    }
    if (fn.modifiers?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword)) this.report(fn, 'async', 'async function');
    if (!ts.isArrowFunction(fn) && !ts.isConstructorDeclaration(fn) && !ts.isGetAccessorDeclaration(fn) &&
      !ts.isSetAccessorDeclaration(fn) && fn.asteriskToken !== undefined) {
      this.report(fn, 'generator', 'generator function');
    }
    const own = this.functionContext(fn);
    for (const p of fn.parameters) {
      if (p.dotDotDotToken !== undefined && own.hot) this.report(p, 'rest-parameter', `rest parameter ${this.snippet(p)}`);
    }
  }

  private checkClass(cls: ts.ClassLikeDeclaration, ctx: Context): void {
    const ctor = cls.members.find((m): m is ts.ConstructorDeclaration => ts.isConstructorDeclaration(m) && m.body !== undefined);
    const assignedInCtor = new Set<string>();
    if (ctor?.body !== undefined) {
      const collect = (node: ts.Node): void => {
        if (isFunctionLike(node)) return; // a closure's assignment does not run at construction
        if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
          const left = skipParens(node.left);
          if (ts.isPropertyAccessExpression(left) && left.expression.kind === ts.SyntaxKind.ThisKeyword) assignedInCtor.add(left.name.text);
        }
        ts.forEachChild(node, collect);
      };
      collect(ctor.body);
      for (const p of ctor.parameters) {
        if (ts.isParameterPropertyDeclaration(p, ctor) && ts.isIdentifier(p.name)) assignedInCtor.add(p.name.text);
      }
    }
    if (ctx.hot && (ts.isClassExpression(cls) || ctx.fn !== undefined)) {
      this.report(cls, 'closure', 'class created on the hot path');
    }
    for (const member of cls.members) {
      if (!ts.isPropertyDeclaration(member)) continue;
      const flags = ts.getCombinedModifierFlags(member);
      const name = member.name.getText(this.sf);
      if (flags & ts.ModifierFlags.Static) {
        if (!(flags & ts.ModifierFlags.Readonly)) this.report(member, 'module-state', `mutable static field ${name} (state belongs in instances)`);
        continue;
      }
      if (flags & (ts.ModifierFlags.Ambient | ts.ModifierFlags.Abstract)) continue;
      if (member.initializer !== undefined) {
        const alloc = findAllocation(member.initializer);
        if (alloc !== undefined) this.report(member, 'fields', `field ${name} allocates in its initializer (${alloc}): create it in the constructor`);
      } else if (!assignedInCtor.has(name)) {
        this.report(member, 'fields', `field ${name} is not created in the constructor`);
      }
    }
  }

  private checkNode(node: ts.Node, ctx: Context): void {
    const hot = ctx.hot;
    switch (node.kind) {
      case ts.SyntaxKind.AnyKeyword:
        this.report(node, 'any', '`any` type');
        return;
      case ts.SyntaxKind.AsExpression:
      case ts.SyntaxKind.TypeAssertionExpression: {
        const inner = skipParens((node as ts.AsExpression).expression);
        if ((ts.isAsExpression(inner) || ts.isTypeAssertionExpression(inner)) && inner.type.kind === ts.SyntaxKind.UnknownKeyword) {
          this.report(node, 'as-unknown-as', `double cast through unknown: ${this.snippet(node)}`);
        }
        return;
      }
      case ts.SyntaxKind.NonNullExpression:
        this.report(node, 'non-null', `non-null assertion: ${this.snippet(node)}`);
        return;
      case ts.SyntaxKind.PropertyDeclaration:
      case ts.SyntaxKind.VariableDeclaration:
        if ((node as ts.PropertyDeclaration | ts.VariableDeclaration).exclamationToken !== undefined) {
          this.report(node, 'non-null', `definite assignment assertion on ${(node as ts.VariableDeclaration).name.getText(this.sf)}`);
        }
        return;
      case ts.SyntaxKind.AwaitExpression:
        this.report(node, 'async', 'await');
        return;
      case ts.SyntaxKind.YieldExpression:
        this.report(node, 'generator', 'yield');
        return;
      case ts.SyntaxKind.ForOfStatement:
        this.report(node, 'for-of', 'for..of loop (iterators allocate)');
        return;
      case ts.SyntaxKind.ArrayBindingPattern:
        this.report(node, 'array-destructuring', `array destructuring: ${this.snippet(node)}`);
        return;
      case ts.SyntaxKind.RegularExpressionLiteral:
        this.report(node, 'regexp', `RegExp literal ${this.snippet(node)}`);
        return;
      case ts.SyntaxKind.BigIntLiteral:
        this.report(node, 'bigint', `BigInt literal ${this.snippet(node)}`);
        return;
      case ts.SyntaxKind.WithStatement:
        this.report(node, 'with', 'with statement');
        return;
      case ts.SyntaxKind.DeleteExpression:
        this.report(node, 'delete', `delete: ${this.snippet(node)}`);
        return;
      case ts.SyntaxKind.ComputedPropertyName: {
        const owner = node.parent.parent;
        if (owner !== undefined && (ts.isObjectLiteralExpression(owner) || ts.isClassLike(owner))) {
          this.report(node, 'computed-name', `computed property name ${this.snippet(node)}`);
        }
        return;
      }
      case ts.SyntaxKind.ImportDeclaration:
      case ts.SyntaxKind.ExportDeclaration: {
        const spec = (node as ts.ImportDeclaration | ts.ExportDeclaration).moduleSpecifier;
        if (spec !== undefined && ts.isStringLiteral(spec)) this.checkImport(node, spec.text);
        return;
      }
      case ts.SyntaxKind.ImportEqualsDeclaration: {
        const ref = (node as ts.ImportEqualsDeclaration).moduleReference;
        if (ts.isExternalModuleReference(ref) && ts.isStringLiteral(ref.expression)) this.checkImport(node, ref.expression.text);
        return;
      }
      case ts.SyntaxKind.ImportType: {
        const arg = (node as ts.ImportTypeNode).argument;
        if (ts.isLiteralTypeNode(arg) && ts.isStringLiteral(arg.literal)) this.checkImport(node, arg.literal.text);
        return;
      }
      case ts.SyntaxKind.ThrowStatement:
        if (!ctx.setup) this.report(node, 'throw', 'throw outside a constructor or cold function (return a negated reason code)');
        return;
      case ts.SyntaxKind.VariableStatement: {
        // A `let` at top level is module state; a `var` anywhere outside functions is hoisted to it.
        const list = (node as ts.VariableStatement).declarationList;
        const isVar = (list.flags & ts.NodeFlags.BlockScoped) === 0;
        const isLet = (list.flags & ts.NodeFlags.BlockScoped) === ts.NodeFlags.Let;
        if ((isLet && node.parent === this.sf) || (isVar && ctx.fn === undefined)) {
          this.report(node, 'module-state', `module-level ${isLet ? 'let' : 'var'} (state belongs in instances)`);
        }
        // A module-level instance of one of our own classes is a singleton's mutable state.
        if (node.parent === this.sf) {
          for (const d of list.declarations) {
            const init = d.initializer === undefined ? undefined : skipParens(d.initializer);
            if (init !== undefined && ts.isNewExpression(init) && this.isOwnClass(init.expression)) {
              this.report(d, 'module-state', `module-level instance ${this.snippet(init)} (state belongs in instances)`);
            }
          }
        }
        return;
      }
      case ts.SyntaxKind.VariableDeclarationList:
        // `for (var i ...)` at top level; `for (let i ...)` is scoped to the loop and allowed.
        if (ctx.fn === undefined && (node.flags & ts.NodeFlags.BlockScoped) === 0 && !ts.isVariableStatement(node.parent)) {
          this.report(node, 'module-state', 'module-level var (state belongs in instances)');
        }
        return;
      case ts.SyntaxKind.Identifier:
        this.checkIdentifier(node as ts.Identifier, ctx);
        return;
      case ts.SyntaxKind.PropertyAccessExpression: {
        const pa = node as ts.PropertyAccessExpression;
        if (pa.name.text === 'random' && ts.isIdentifier(pa.expression) && pa.expression.text === 'Math' && this.isGlobal(pa.expression)) {
          this.report(node, 'math-random', 'Math.random (take randomness as an input)');
        }
        return;
      }
      case ts.SyntaxKind.CallExpression:
        this.checkCall(node as ts.CallExpression, ctx);
        return;
      case ts.SyntaxKind.BinaryExpression:
        this.checkBinary(node as ts.BinaryExpression, ctx);
        return;
      case ts.SyntaxKind.PrefixUnaryExpression:
      case ts.SyntaxKind.PostfixUnaryExpression: {
        const u = node as ts.PrefixUnaryExpression | ts.PostfixUnaryExpression;
        if (u.operator === ts.SyntaxKind.PlusPlusToken || u.operator === ts.SyntaxKind.MinusMinusToken) this.checkWrite(u.operand, ctx);
        return;
      }
    }
    if (!hot) return;
    switch (node.kind) {
      case ts.SyntaxKind.NewExpression:
        this.report(node, 'new', `new on the hot path: ${this.snippet(node)}`);
        return;
      case ts.SyntaxKind.ArrayLiteralExpression:
        if (!isAssignmentTarget(node)) this.report(node, 'array-literal', `array literal on the hot path: ${this.snippet(node)}`);
        return;
      case ts.SyntaxKind.ObjectLiteralExpression:
        if (!isAssignmentTarget(node)) this.report(node, 'object-literal', `object literal on the hot path: ${this.snippet(node)}`);
        return;
      case ts.SyntaxKind.SpreadElement:
      case ts.SyntaxKind.SpreadAssignment:
        this.report(node, 'spread', `spread on the hot path: ${this.snippet(node)}`);
        return;
      case ts.SyntaxKind.BindingElement:
        if ((node as ts.BindingElement).dotDotDotToken !== undefined) this.report(node, 'spread', `rest element on the hot path: ${this.snippet(node)}`);
        return;
      case ts.SyntaxKind.TemplateExpression:
      case ts.SyntaxKind.TaggedTemplateExpression:
        this.report(node, 'template-literal', `template literal on the hot path: ${this.snippet(node)}`);
        return;
      case ts.SyntaxKind.TryStatement:
        this.report(node, 'try-catch', 'try on the hot path');
        return;
      case ts.SyntaxKind.TypeOfExpression:
        // XS builds the result string at each evaluation (4,584 chunk bytes per 10,000 calls).
        this.report(node, 'typeof', `typeof allocates a string on the hot path in XS: ${this.snippet(node)}`);
        return;
    }
  }

  private checkImport(node: ts.Node, spec: string): void {
    if (spec.startsWith('.') || spec.startsWith('/')) {
      const target = path.resolve(path.dirname(this.sf.fileName), spec);
      const rel = path.relative(this.root, target);
      if (rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel)) return;
    }
    this.report(node, 'import-outside', `import of ${JSON.stringify(spec)} from outside ${path.basename(this.root)}/`);
  }

  /** True when the identifier names a declaration outside the program's own sources (a global), or nothing. */
  private isGlobal(id: ts.Identifier): boolean {
    const parent = id.parent;
    let symbol = ts.isShorthandPropertyAssignment(parent) && parent.name === id
      ? this.checker.getShorthandAssignmentValueSymbol(parent)
      : this.checker.getSymbolAtLocation(id);
    if (symbol === undefined) return true;
    if (symbol.flags & ts.SymbolFlags.Alias) symbol = this.checker.getAliasedSymbol(symbol);
    const decls = symbol.declarations ?? [];
    return !decls.some((d) => {
      const file = d.getSourceFile();
      return !file.isDeclarationFile && !this.program.isSourceFileDefaultLibrary(file);
    });
  }

  /** The expression names a class declared in the checked sources (not a built-in such as Uint8Array). */
  private isOwnClass(e: ts.Expression): boolean {
    let symbol = this.checker.getSymbolAtLocation(e);
    if (symbol === undefined) return false;
    if (symbol.flags & ts.SymbolFlags.Alias) symbol = this.checker.getAliasedSymbol(symbol);
    return (symbol.declarations ?? []).some((d) => ts.isClassLike(d) && !d.getSourceFile().isDeclarationFile);
  }

  private checkIdentifier(id: ts.Identifier, ctx: Context): void {
    if (!isReference(id)) return;
    const name = id.text;
    if (name === 'arguments') {
      if (ctx.hot) this.report(id, 'arguments', '`arguments` on the hot path');
      return;
    }
    if (name === 'String') {
      if (ctx.hot && this.isGlobal(id) && !isTypePosition(id)) this.report(id, 'to-string', `${this.snippet(id.parent)} on the hot path`);
      return;
    }
    if (!Object.prototype.hasOwnProperty.call(FORBIDDEN_GLOBALS, name)) return;
    if (!this.isGlobal(id)) return;
    this.report(id, FORBIDDEN_GLOBALS[name], `${name} is not in the core`);
  }

  private checkCall(call: ts.CallExpression, ctx: Context): void {
    if (call.expression.kind === ts.SyntaxKind.ImportKeyword) {
      this.report(call, 'promise', 'dynamic import() returns a Promise');
      const arg = call.arguments[0];
      if (arg !== undefined && ts.isStringLiteralLike(arg)) this.checkImport(call, arg.text);
      return;
    }
    const callee = skipParens(call.expression);
    if (!ts.isPropertyAccessExpression(callee)) return;
    const method = callee.name.text;
    if (MUTATORS.has(method) || DATAVIEW_SETTER.test(method)) this.checkWrite(callee.expression, ctx);
    if (!ctx.hot) return;
    const recv = skipParens(callee.expression);
    if (ts.isIdentifier(recv) && ((recv.text === 'Array' && (method === 'from' || method === 'of')) ||
      (recv.text === 'Object' && (method === 'keys' || method === 'values' || method === 'entries'))) && this.isGlobal(recv)) {
      this.report(call, 'array-copy', `${recv.text}.${method}() allocates a new array on the hot path`);
      return;
    }
    const recvType = this.checker.getTypeAtLocation(callee.expression);
    if (method === 'bind' && this.checker.getSignaturesOfType(recvType, ts.SignatureKind.Call).length > 0) {
      this.report(call, 'closure', `.bind() creates a function on the hot path`);
    } else if (TO_STRING.has(method)) {
      this.report(call, 'to-string', `.${method}() on the hot path`);
    } else if (STRING_METHODS.has(method) && this.isStringy(recvType)) {
      this.report(call, 'string-method', `string .${method}() on the hot path`);
    } else if ((method === 'subarray' || method === 'slice') && this.isTypedArray(recvType)) {
      this.report(call, 'typed-array-view', `.${method}() of a typed array on the hot path (pass buffer, offset, length)`);
    } else if (ARRAY_GROWTH.has(method) && this.isArray(recvType)) {
      this.report(call, 'array-growth', `array .${method}() on the hot path (use a fixed-capacity table)`);
    } else if (ARRAY_COPY.has(method) && this.isArray(recvType)) {
      this.report(call, 'array-copy', `array .${method}() allocates a new array on the hot path`);
    }
  }

  private checkBinary(bin: ts.BinaryExpression, ctx: Context): void {
    const op = bin.operatorToken.kind;
    if (op >= ts.SyntaxKind.FirstAssignment && op <= ts.SyntaxKind.LastAssignment) {
      const left = skipParens(bin.left);
      if (!ts.isArrayLiteralExpression(left) && !ts.isObjectLiteralExpression(left)) this.checkWrite(left, ctx);
      if (ts.isPropertyAccessExpression(left) && left.expression.kind === ts.SyntaxKind.ThisKeyword) {
        const owner = this.checker.getTypeAtLocation(left.expression);
        if (this.checker.getPropertyOfType(owner, left.name.text) === undefined) {
          this.report(left, 'fields', `this.${left.name.text} is not declared on the class (declare it and create it in the constructor)`);
        }
      }
      if (op === ts.SyntaxKind.EqualsToken && ts.isArrayLiteralExpression(left)) {
        this.report(left, 'array-destructuring', `array destructuring: ${this.snippet(left)}`);
      }
      if (ctx.hot && ts.isPropertyAccessExpression(left) && left.name.text === 'length' && this.isArray(this.checker.getTypeAtLocation(left.expression))) {
        this.report(bin, 'array-growth', 'assignment to an array length on the hot path (use a fixed-capacity table)');
      }
    }
    if (!ctx.hot) return;
    if (op === ts.SyntaxKind.PlusToken || op === ts.SyntaxKind.PlusEqualsToken) {
      if (this.isStringy(this.checker.getTypeAtLocation(bin.left)) || this.isStringy(this.checker.getTypeAtLocation(bin.right))) {
        this.report(bin, 'string-concat', `string concatenation on the hot path: ${this.snippet(bin)}`);
      }
    }
  }

  /** A write to `target`: flagged when it changes a module-level binding or table at run time. */
  private checkWrite(target: ts.Expression, ctx: Context): void {
    if (ctx.fn === undefined || ctx.loadTime) return;
    let e = skipParens(target);
    while (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e) || ts.isNonNullExpression(e) ||
      ts.isParenthesizedExpression(e) || ts.isAsExpression(e)) {
      e = e.expression;
    }
    if (!ts.isIdentifier(e)) return;
    let symbol = this.checker.getSymbolAtLocation(e);
    if (symbol === undefined) return;
    if (symbol.flags & ts.SymbolFlags.Alias) symbol = this.checker.getAliasedSymbol(symbol);
    const decl = symbol.valueDeclaration ?? symbol.declarations?.[0];
    if (decl === undefined || !isModuleLevel(decl) || decl.getSourceFile().isDeclarationFile) return;
    this.report(target, 'module-state', `run-time write to module-level ${e.text} (modules are frozen after preload)`);
  }

  private isStringy(type: ts.Type): boolean {
    if (type.flags & (ts.TypeFlags.StringLike)) return true;
    if (type.isUnion()) return type.types.some((t) => (t.flags & ts.TypeFlags.StringLike) !== 0);
    const sym = type.getSymbol();
    return sym !== undefined && sym.name === 'String';
  }

  private isTypedArray(type: ts.Type): boolean {
    const check = (t: ts.Type): boolean => {
      const sym = t.getSymbol();
      return sym !== undefined && TYPED_ARRAYS.has(sym.name);
    };
    return type.isUnion() ? type.types.some(check) : check(type);
  }

  private isArray(type: ts.Type): boolean {
    const check = (t: ts.Type): boolean => this.checker.isArrayType(t) || this.checker.isTupleType(t);
    return type.isUnion() ? type.types.some(check) : check(type);
  }
}

function skipParens(e: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(e)) e = e.expression;
  return e;
}

/** A declaration made at module top level (variable, function, class, enum). */
function isModuleLevel(decl: ts.Declaration): boolean {
  if (ts.isVariableDeclaration(decl)) {
    const stmt = decl.parent.parent;
    return ts.isVariableStatement(stmt) && ts.isSourceFile(stmt.parent);
  }
  if (ts.isFunctionDeclaration(decl) || ts.isClassDeclaration(decl) || ts.isEnumDeclaration(decl)) return ts.isSourceFile(decl.parent);
  return false;
}

/** The left side of `=` (or nested in one), or a for..of/for..in head: a destructuring pattern, not a value. */
function isAssignmentTarget(node: ts.Node): boolean {
  let child = node;
  let parent = node.parent;
  while (ts.isParenthesizedExpression(parent) || ts.isArrayLiteralExpression(parent) || ts.isObjectLiteralExpression(parent) ||
    ts.isPropertyAssignment(parent) || ts.isShorthandPropertyAssignment(parent) || ts.isSpreadElement(parent) || ts.isSpreadAssignment(parent)) {
    child = parent;
    parent = parent.parent;
  }
  if (ts.isBinaryExpression(parent) && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken && parent.left === child) return true;
  return (ts.isForOfStatement(parent) || ts.isForInStatement(parent)) && parent.initializer === child;
}

/** An identifier that refers to a binding, as opposed to a name being declared or a property name. */
function isReference(id: ts.Identifier): boolean {
  const parent = id.parent;
  if (ts.isShorthandPropertyAssignment(parent)) return parent.name === id;
  if (ts.isPropertyAccessExpression(parent) || ts.isQualifiedName(parent)) {
    return ts.isPropertyAccessExpression(parent) ? parent.expression === id : parent.left === id;
  }
  if (ts.isLabeledStatement(parent) || ts.isBreakOrContinueStatement(parent)) return false;
  const named = parent as { name?: ts.Node; propertyName?: ts.Node };
  if (named.name === id || named.propertyName === id) return false;
  return true;
}

function isTypePosition(id: ts.Identifier): boolean {
  return ts.isTypeReferenceNode(id.parent) || ts.isExpressionWithTypeArguments(id.parent) && ts.isHeritageClause(id.parent.parent) && id.parent.parent.token === ts.SyntaxKind.ImplementsKeyword;
}

/** The first allocating construct in a field initializer, described, or undefined. */
function findAllocation(init: ts.Expression): string | undefined {
  let found: string | undefined;
  const visit = (node: ts.Node): void => {
    if (found !== undefined) return;
    if (ts.isNewExpression(node)) found = 'new';
    else if (ts.isArrayLiteralExpression(node)) found = 'array literal';
    else if (ts.isObjectLiteralExpression(node)) found = 'object literal';
    else if (ts.isArrowFunction(node) || ts.isFunctionExpression(node) || ts.isClassExpression(node)) found = 'closure';
    else if (ts.isTemplateExpression(node) || ts.isTaggedTemplateExpression(node)) found = 'template literal';
    else if (ts.isCallExpression(node)) found = 'call';
    else ts.forEachChild(node, visit);
  };
  visit(init);
  return found;
}
