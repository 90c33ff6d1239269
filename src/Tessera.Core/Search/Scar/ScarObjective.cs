using System.Globalization;
using Tessera.Diagnostics;

namespace Tessera.Search.Scar;

/// <summary>
/// What the scheduler minimises: latency, energy, EDP (energy × latency) or an expression over <c>latency</c> (s),
/// <c>energy</c> (J) and <c>edp</c> with numbers, + − × ÷, ^ and parentheses (e.g. <c>energy*latency^2</c>).
/// <see cref="Monotone"/> is true for the named objectives: a larger latency or energy never scores better, which
/// lets placement prune by bounds; expressions are searched without that assumption.
/// </summary>
public sealed class ScarObjective
{
    private readonly Func<double, double, double> _score;

    private ScarObjective(string name, Func<double, double, double> score, bool monotone) =>
        (Name, _score, Monotone) = (name, score, monotone);

    public string Name { get; }

    public bool Monotone { get; }

    public static ScarObjective Latency { get; } = new("latency", (l, _) => l, true);

    public static ScarObjective Energy { get; } = new("energy", (_, e) => e, true);

    public static ScarObjective Edp { get; } = new("edp", (l, e) => l * e, true);

    /// <summary>The score of a schedule with this latency (s) and energy (J); lower is better.</summary>
    public double Score(double latencySeconds, double energyJ) => _score(latencySeconds, energyJ);

    public override string ToString() => Name;

    /// <summary>latency, energy, edp, or an expression over them.</summary>
    public static ScarObjective Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        switch (trimmed.ToLowerInvariant())
        {
            case "latency": return Latency;
            case "energy": return Energy;
            case "edp": return Edp;
        }
        var parser = new Parser(trimmed);
        var score = parser.Parse();
        return new ScarObjective(trimmed, score, monotone: false);
    }

    /// <summary>Recursive descent: sum := product (± product)*; product := power (×÷ power)*; power := unary (^ power)?.</summary>
    private sealed class Parser(string text)
    {
        private int _at;

        public Func<double, double, double> Parse()
        {
            if (text.Length == 0) throw Error("an objective");
            var result = Sum();
            Skip();
            if (_at < text.Length) throw Error("an operator (+ - * / ^) or the end");
            return result;
        }

        private Func<double, double, double> Sum()
        {
            var left = Product();
            while (Next('+', '-') is { } op)
            {
                var (a, b) = (left, Product());
                left = op == '+' ? (l, e) => a(l, e) + b(l, e) : (l, e) => a(l, e) - b(l, e);
            }
            return left;
        }

        private Func<double, double, double> Product()
        {
            var left = Power();
            while (Next('*', '/') is { } op)
            {
                var (a, b) = (left, Power());
                left = op == '*' ? (l, e) => a(l, e) * b(l, e) : (l, e) => a(l, e) / b(l, e);
            }
            return left;
        }

        private Func<double, double, double> Power()
        {
            var baseValue = Unary();
            if (Next('^') is null) return baseValue;
            var exponent = Power(); // right-associative
            return (l, e) => Math.Pow(baseValue(l, e), exponent(l, e));
        }

        private Func<double, double, double> Unary()
        {
            if (Next('-') is not null)
            {
                var inner = Unary();
                return (l, e) => -inner(l, e);
            }
            return Primary();
        }

        private Func<double, double, double> Primary()
        {
            Skip();
            if (Next('(') is not null)
            {
                var inner = Sum();
                if (Next(')') is null) throw Error("')'");
                return inner;
            }
            int start = _at;
            if (_at < text.Length && (char.IsDigit(text[_at]) || text[_at] == '.'))
            {
                while (_at < text.Length && (char.IsDigit(text[_at]) || text[_at] is '.' or 'e' or 'E'
                    || (text[_at] is '+' or '-' && text[_at - 1] is 'e' or 'E')))
                    _at++;
                if (!double.TryParse(text.AsSpan(start, _at - start), NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
                    throw Error("a number", start);
                return (_, _) => number;
            }
            while (_at < text.Length && char.IsLetter(text[_at])) _at++;
            return text[start.._at].ToLowerInvariant() switch
            {
                "latency" => (l, _) => l,
                "energy" => (_, e) => e,
                "edp" => (l, e) => l * e,
                _ => throw Error("latency, energy, edp, a number or '('", start),
            };
        }

        private char? Next(params char[] ops)
        {
            Skip();
            if (_at < text.Length && ops.Contains(text[_at])) return text[_at++];
            return null;
        }

        private void Skip()
        {
            while (_at < text.Length && char.IsWhiteSpace(text[_at])) _at++;
        }

        private TesseraInputException Error(string expected, int? at = null) => new(
            $"objective '{text}': at position {(at ?? _at) + 1} expected {expected}; objectives are latency, energy, edp or an expression such as energy*latency^2");
    }
}
