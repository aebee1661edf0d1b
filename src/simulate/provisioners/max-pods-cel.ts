/**
 * EC2NodeClass spec.kubelet.maxPods as a CEL expression, evaluated per instance type as Karpenter does
 * when AWS_FEATURE_GATES has NodeClassCEL=true (aws/karpenter-provider-aws pkg/providers/instancetype
 * types.go resolveMaxPods, pkg/cel/environment.go): variables vcpus, memory_mib, default_enis,
 * ips_per_eni, max_pods (the AMI family's default) and instance_type; functions min and max. ipguard
 * evaluates the integer part of CEL: literals, the variables, + - * / %, comparisons, && || !, ?: and
 * min/max. Anything else (member calls, lists, doubles) is an expression it says it cannot evaluate.
 */

export interface MaxPodsVars {
  readonly vcpus: number;
  readonly memory_mib: number;
  readonly default_enis: number;
  readonly ips_per_eni: number;
  readonly max_pods: number;
  readonly instance_type: string;
}

type Value = number | boolean | string;

type Node =
  | { readonly t: 'lit'; readonly v: Value }
  | { readonly t: 'var'; readonly name: keyof MaxPodsVars }
  | { readonly t: 'un'; readonly op: '-' | '!'; readonly a: Node }
  | { readonly t: 'bin'; readonly op: string; readonly a: Node; readonly b: Node }
  | { readonly t: 'cond'; readonly c: Node; readonly a: Node; readonly b: Node }
  | { readonly t: 'call'; readonly fn: 'min' | 'max'; readonly args: readonly Node[] };

const VARS: ReadonlySet<string> = new Set([
  'vcpus',
  'memory_mib',
  'default_enis',
  'ips_per_eni',
  'max_pods',
  'instance_type',
]);

const TOKEN =
  /\s*(\d+|[A-Za-z_][A-Za-z0-9_]*|"(?:[^"\\]|\\.)*"|&&|\|\||==|!=|<=|>=|[-+*/%()<>!?:,])/y;

function tokenize(src: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  let at = 0;
  while (at < src.length) {
    if (/^\s*$/.test(src.slice(at))) break;
    TOKEN.lastIndex = at;
    const m = TOKEN.exec(src);
    if (!m?.[1]) throw new Error(`unexpected ${JSON.stringify(src.slice(at).trim().slice(0, 10))}`);
    out.push(m[1]);
    at = TOKEN.lastIndex;
  }
  return out;
}

class Parser {
  #i = 0;
  readonly toks: readonly string[];

  constructor(toks: readonly string[]) {
    this.toks = toks;
  }

  parse(): Node {
    const n = this.#expr();
    if (this.#i < this.toks.length) throw new Error(`unexpected ${this.toks[this.#i] ?? ''}`);
    return n;
  }

  #peek(): string | undefined {
    return this.toks[this.#i];
  }

  #take(tok: string): boolean {
    if (this.toks[this.#i] !== tok) return false;
    this.#i++;
    return true;
  }

  #expect(tok: string): void {
    if (!this.#take(tok)) throw new Error(`expected ${tok}`);
  }

  #expr(): Node {
    const c = this.#binary(0);
    if (!this.#take('?')) return c;
    const a = this.#expr();
    this.#expect(':');
    return { t: 'cond', c, a, b: this.#expr() };
  }

  static readonly LEVELS: readonly (readonly string[])[] = [
    ['||'],
    ['&&'],
    ['==', '!=', '<', '<=', '>', '>='],
    ['+', '-'],
    ['*', '/', '%'],
  ];

  #binary(level: number): Node {
    const ops = Parser.LEVELS[level];
    if (!ops) return this.#unary();
    let a = this.#binary(level + 1);
    for (let op = this.#peek(); op !== undefined && ops.includes(op); op = this.#peek()) {
      this.#i++;
      a = { t: 'bin', op, a, b: this.#binary(level + 1) };
    }
    return a;
  }

  #unary(): Node {
    if (this.#take('-')) return { t: 'un', op: '-', a: this.#unary() };
    if (this.#take('!')) return { t: 'un', op: '!', a: this.#unary() };
    return this.#primary();
  }

  #primary(): Node {
    const tok = this.toks[this.#i++];
    if (tok === undefined) throw new Error('unexpected end');
    if (tok === '(') {
      const n = this.#expr();
      this.#expect(')');
      return n;
    }
    if (/^\d+$/.test(tok)) return { t: 'lit', v: Number(tok) };
    if (tok.startsWith('"')) return { t: 'lit', v: JSON.parse(tok) as string };
    if (tok === 'true' || tok === 'false') return { t: 'lit', v: tok === 'true' };
    if ((tok === 'min' || tok === 'max') && this.#take('(')) {
      const args = [this.#expr()];
      while (this.#take(',')) args.push(this.#expr());
      this.#expect(')');
      if (args.length !== 2) throw new Error(`${tok} takes two arguments`);
      return { t: 'call', fn: tok, args };
    }
    if (VARS.has(tok)) return { t: 'var', name: tok as keyof MaxPodsVars };
    throw new Error(`unknown name ${tok}`);
  }
}

/** The expression parsed, or why ipguard cannot evaluate it. */
export function parseMaxPods(src: string): { readonly node: unknown } | { readonly error: string } {
  try {
    return { node: new Parser(tokenize(src)).parse() };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

function int(v: Value): number {
  if (typeof v !== 'number') throw new Error('expected an int');
  return v;
}

function evaluate(n: Node, vars: MaxPodsVars): Value {
  switch (n.t) {
    case 'lit':
      return n.v;
    case 'var':
      return vars[n.name];
    case 'un': {
      const a = evaluate(n.a, vars);
      if (n.op === '-') return -int(a);
      if (typeof a !== 'boolean') throw new Error('! takes a bool');
      return !a;
    }
    case 'cond': {
      const c = evaluate(n.c, vars);
      if (typeof c !== 'boolean') throw new Error('?: takes a bool');
      return evaluate(c ? n.a : n.b, vars);
    }
    case 'call': {
      const [a, b] = n.args.map(x => int(evaluate(x, vars))) as [number, number];
      return n.fn === 'min' ? Math.min(a, b) : Math.max(a, b);
    }
    case 'bin': {
      if (n.op === '&&' || n.op === '||') {
        const a = evaluate(n.a, vars);
        if (typeof a !== 'boolean') throw new Error(`${n.op} takes bools`);
        if (n.op === '&&' ? !a : a) return a;
        const b = evaluate(n.b, vars);
        if (typeof b !== 'boolean') throw new Error(`${n.op} takes bools`);
        return b;
      }
      const a = evaluate(n.a, vars);
      const b = evaluate(n.b, vars);
      if (n.op === '==' || n.op === '!=') {
        if (typeof a !== typeof b) throw new Error('== compares values of one type');
        return n.op === '==' ? a === b : a !== b;
      }
      const x = int(a);
      const y = int(b);
      switch (n.op) {
        case '<':
          return x < y;
        case '<=':
          return x <= y;
        case '>':
          return x > y;
        case '>=':
          return x >= y;
        case '+':
          return x + y;
        case '-':
          return x - y;
        case '*':
          return x * y;
        case '/':
        case '%':
          // CEL int division truncates toward zero and fails on zero.
          if (y === 0) throw new Error('division by zero');
          return n.op === '/' ? Math.trunc(x / y) : x % y;
      }
      throw new Error(`unknown operator ${n.op}`);
    }
  }
}

/**
 * The expression's max pods for one type, or why it has none: a result that is not an int in
 * [0, 2^31 - 1] is an error, as in resolveMaxPods, and Karpenter then leaves the type out.
 */
export function evaluateMaxPods(
  parsed: { readonly node: unknown },
  vars: MaxPodsVars,
): number | { readonly error: string } {
  try {
    const v = evaluate(parsed.node as Node, vars);
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) return { error: 'not an int' };
    if (v < 0 || v > 2 ** 31 - 1) return { error: `${v} is outside [0, 2147483647]` };
    return v;
  } catch (err) {
    return { error: (err as Error).message };
  }
}
