import { interpolateRawQuery, RawQueryVariables } from './rawQuery';

function variables(values: Record<string, string[]>): RawQueryVariables {
  return {
    values: (name) => values[name],
    builtIn: (reference) => `<builtin ${reference}>`,
  };
}

const vars = variables({
  vm: ['one-71'],
  vms: ['one-71', 'web.2'],
  evil: ["x'; DROP DATABASE vm_telemetry; --"],
  slash: ['a\\/ OR 1=1 /'],
  backslash: ['a\\'],
  limit: ['10'],
  crlf: ['a\rb'],
});

describe('interpolateRawQuery', () => {
  it('is not fooled by a quote inside a comment', () => {
    expect(interpolateRawQuery(`SELECT * FROM m -- it's\nWHERE "vm" = '$evil'`, vars)).toBe(
      `SELECT * FROM m -- it's\nWHERE "vm" = 'x\\'; DROP DATABASE vm_telemetry; --'`
    );
    expect(interpolateRawQuery(`SELECT /* don't */ * FROM m WHERE "vm" = '$evil'`, vars)).toBe(
      `SELECT /* don't */ * FROM m WHERE "vm" = 'x\\'; DROP DATABASE vm_telemetry; --'`
    );
    expect(interpolateRawQuery(`SELECT * FROM m -- $evil\nLIMIT $limit`, vars)).toBe(`SELECT * FROM m -- $evil\nLIMIT 10`);
  });

  it('escapes a value inside a string literal', () => {
    expect(interpolateRawQuery(`SELECT * FROM m WHERE "vm" = '$evil'`, vars)).toBe(
      `SELECT * FROM m WHERE "vm" = 'x\\'; DROP DATABASE vm_telemetry; --'`
    );
  });

  it('escapes a value inside an identifier', () => {
    expect(interpolateRawQuery(`SELECT "$evil" FROM m`, vars)).toBe(
      `SELECT "x\\'; DROP DATABASE vm_telemetry; --" FROM m`
    );
  });

  it('regex-escapes values inside a regex literal and joins several as an alternation', () => {
    expect(interpolateRawQuery('SELECT * FROM m WHERE "vm" =~ /^$vms$/', vars)).toBe(
      'SELECT * FROM m WHERE "vm" =~ /^(?:(?:one-71|web\\.2))$/'
    );
  });

  it('keeps a / or a trailing backslash of a value from closing the regex literal', () => {
    expect(interpolateRawQuery('SELECT * FROM m WHERE vm !~ /$slash/', vars)).toBe(
      'SELECT * FROM m WHERE vm !~ /(?:a\\\\\\/ OR 1=1 \\/)/'
    );
    expect(interpolateRawQuery('SELECT * FROM m WHERE vm =~ /$backslash/', vars)).toBe(
      'SELECT * FROM m WHERE vm =~ /(?:a\\\\)/'
    );
  });

  it('writes a bare value as a string literal unless it is a number', () => {
    expect(interpolateRawQuery('SELECT * FROM m WHERE vm = $evil LIMIT $limit', vars)).toBe(
      "SELECT * FROM m WHERE vm = 'x\\'; DROP DATABASE vm_telemetry; --' LIMIT 10"
    );
  });

  it('does not take a division for a regex', () => {
    expect(interpolateRawQuery('SELECT a / 2 FROM m WHERE vm = $vm', vars)).toBe(
      "SELECT a / 2 FROM m WHERE vm = 'one-71'"
    );
  });

  it('leaves the backend macros and unknown names alone', () => {
    const query = 'SELECT mean(x) FROM m WHERE $timeFilter AND vm = $unknown GROUP BY time($__interval)';
    expect(interpolateRawQuery(query, vars)).toBe(query);
  });

  it("passes Grafana's built-in variables with a format to Grafana", () => {
    expect(interpolateRawQuery('SELECT * FROM m WHERE time > ${__from:date:iso}', vars)).toBe(
      'SELECT * FROM m WHERE time > <builtin ${__from:date:iso}>'
    );
  });

  it('refuses several values where one fits, naming the variable', () => {
    expect(() => interpolateRawQuery(`SELECT * FROM m WHERE vm = '$vms'`, vars)).toThrow(/\$vms has 2 values/);
  });

  it('refuses a format that would bypass the escaping', () => {
    expect(() => interpolateRawQuery(`SELECT * FROM m WHERE vm = '\${evil:raw}'`, vars)).toThrow(
      /formats are not supported/
    );
  });

  it('refuses a value InfluxQL cannot quote', () => {
    expect(() => interpolateRawQuery(`SELECT * FROM m WHERE vm = '$crlf'`, vars)).toThrow(/carriage return/);
  });

  it('knows escaped quotes do not end a string', () => {
    expect(interpolateRawQuery(`SELECT * FROM m WHERE a = 'it\\'s $vm' AND b = $vm`, vars)).toBe(
      `SELECT * FROM m WHERE a = 'it\\'s one-71' AND b = 'one-71'`
    );
  });
});
