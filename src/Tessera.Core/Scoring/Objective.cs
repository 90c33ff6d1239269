using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Tessera.Diagnostics;

namespace Tessera.Scoring;

/// <summary>
/// What a search minimises, one type for every search (intra-core mapping, GA, CP-SAT, SCAR, the ecosystem, the
/// studies): latency, energy, edp (energy × latency), ec (energy × cost), edcp (energy × latency × cost), or an
/// expression over <c>latency</c> (s), <c>energy</c> (J), <c>cost</c> ($), <c>edp</c>, <c>ec</c> and <c>edcp</c> with
/// numbers, + − × ÷, ^ and parentheses (e.g. <c>energy*latency^2</c>). Lower is better. <see cref="Monotone"/> is true
/// for the named objectives: a larger latency, energy or cost never scores better, which lets searches prune by bounds.
/// </summary>
[JsonConverter(typeof(ObjectiveJsonConverter))]
public sealed class Objective : IEquatable<Objective>
{
    private delegate double Scorer(double latency, double energy, double cost);

    private readonly Scorer _score;

    private Objective(string name, Scorer score, bool monotone, bool needsCost) =>
        (Name, _score, Monotone, NeedsCost) = (name, score, monotone, needsCost);

    public string Name { get; }

    public bool Monotone { get; }

    /// <summary>Whether the score depends on the cost: such objectives need a <see cref="Metrics.CostUsd"/>.</summary>
    public bool NeedsCost { get; }

    /// <summary>Whether this is one of the named objectives rather than an expression.</summary>
    public bool IsNamed => Named.Any(n => n.Name == Name);

    public static Objective Latency { get; } = new("latency", (l, _, _) => l, true, false);

    public static Objective Energy { get; } = new("energy", (_, e, _) => e, true, false);

    public static Objective Edp { get; } = new("edp", (l, e, _) => l * e, true, false);

    public static Objective EnergyCost { get; } = new("ec", (_, e, c) => e * c, true, true);

    public static Objective Edcp { get; } = new("edcp", (l, e, c) => l * e * c, true, true);

    /// <summary>The named objectives.</summary>
    public static IReadOnlyList<Objective> Named { get; } = [Latency, Energy, Edp, EnergyCost, Edcp];

    /// <summary>The score of a latency (s), an energy (J) and a cost ($, NaN when unknown); lower is better.</summary>
    public double Score(double latencySeconds, double energyJ, double costUsd = double.NaN) => _score(latencySeconds, energyJ, costUsd);

    /// <summary>The score of a result's metrics; an objective that needs a cost needs metrics that carry one.</summary>
    public double Score(Metrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        if (NeedsCost && metrics.CostUsd is null)
            throw new InvalidOperationException($"objective {Name} needs a cost, and these metrics carry none");
        return _score(metrics.LatencySeconds, metrics.EnergyJ, metrics.CostUsd ?? double.NaN);
    }

    /// <summary>
    /// The objective for a search in which the cost is the same for every choice (one core, one package): ec ranks
    /// like energy and edcp like edp there.
    /// </summary>
    public Objective AtFixedCost() => this == EnergyCost ? Energy : this == Edcp ? Edp : this;

    /// <summary>Refuses objectives a search cannot score, naming the search and what it takes.</summary>
    public Objective Require(string search, params Objective[] allowed)
    {
        ArgumentNullException.ThrowIfNull(allowed);
        return allowed.Length == 0 || allowed.Contains(this) ? this
            : throw new TesseraInputException($"objective '{Name}' does not apply to {search}; expected {string.Join(", ", allowed.Select(a => a.Name))}");
    }

    public override string ToString() => Name;

    public bool Equals(Objective? other) => other is not null && other.Name == Name;

    public override bool Equals(object? obj) => Equals(obj as Objective);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Name);

    public static bool operator ==(Objective? a, Objective? b) => a?.Equals(b) ?? b is null;

    public static bool operator !=(Objective? a, Objective? b) => !(a == b);

    /// <summary>latency, energy, edp, ec, edcp (and the spellings energy-cost, edpc), or an expression over them.</summary>
    public static Objective Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        switch (trimmed.ToLowerInvariant())
        {
            case "latency": return Latency;
            case "energy": return Energy;
            case "edp": return Edp;
            case "ec" or "energy-cost" or "energycost": return EnergyCost;
            case "edcp" or "edpc": return Edcp;
        }
        var parser = new Parser(trimmed);
        var score = parser.Parse();
        return new Objective(trimmed, score, monotone: false, parser.UsesCost);
    }

    /// <summary>Recursive descent: sum := product (± product)*; product := power (×÷ power)*; power := unary (^ power)?.</summary>
    private sealed class Parser(string text)
    {
        private int _at;

        public bool UsesCost { get; private set; }

        public Scorer Parse()
        {
            if (text.Length == 0) throw Error("an objective");
            var result = Sum();
            Skip();
            if (_at < text.Length) throw Error("an operator (+ - * / ^) or the end");
            return result;
        }

        private Scorer Sum()
        {
            var left = Product();
            while (Next('+', '-') is { } op)
            {
                var (a, b) = (left, Product());
                left = op == '+' ? (l, e, c) => a(l, e, c) + b(l, e, c) : (l, e, c) => a(l, e, c) - b(l, e, c);
            }
            return left;
        }

        private Scorer Product()
        {
            var left = Power();
            while (Next('*', '/') is { } op)
            {
                var (a, b) = (left, Power());
                left = op == '*' ? (l, e, c) => a(l, e, c) * b(l, e, c) : (l, e, c) => a(l, e, c) / b(l, e, c);
            }
            return left;
        }

        private Scorer Power()
        {
            var baseValue = Unary();
            if (Next('^') is null) return baseValue;
            var exponent = Power(); // right-associative
            return (l, e, c) => Math.Pow(baseValue(l, e, c), exponent(l, e, c));
        }

        private Scorer Unary()
        {
            if (Next('-') is not null)
            {
                var inner = Unary();
                return (l, e, c) => -inner(l, e, c);
            }
            return Primary();
        }

        private Scorer Primary()
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
                if (!double.TryParse(text.AsSpan(start, _at - start), NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                    || !double.IsFinite(number))
                    throw Error("a finite number", start);
                return (_, _, _) => number;
            }
            while (_at < text.Length && char.IsLetter(text[_at])) _at++;
            var word = text[start.._at].ToLowerInvariant();
            if (word is "cost" or "ec" or "edcp") UsesCost = true;
            return word switch
            {
                "latency" => (l, _, _) => l,
                "energy" => (_, e, _) => e,
                "cost" => (_, _, c) => c,
                "edp" => (l, e, _) => l * e,
                "ec" => (_, e, c) => e * c,
                "edcp" => (l, e, c) => l * e * c,
                _ => throw Error($"latency, energy, cost, edp, ec, edcp, a number or '('{Suggestions.DidYouMean(word, Words)}", start),
            };
        }

        private static readonly string[] Words = ["latency", "energy", "cost", "edp", "ec", "edcp"];

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
            $"objective '{text}': at position {(at ?? _at) + 1} expected {expected}; objectives are latency, energy, edp, ec, edcp or an expression such as energy*latency^2");
    }
}

/// <summary>Writes an objective as its name and reads it back with <see cref="Objective.Parse"/>.</summary>
public sealed class ObjectiveJsonConverter : JsonConverter<Objective>
{
    public override Objective Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Objective.Parse(reader.GetString() ?? "");

    public override void Write(Utf8JsonWriter writer, Objective value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStringValue(value.Name);
    }
}
