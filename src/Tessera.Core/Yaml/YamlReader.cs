using System.Globalization;
using Tessera.Diagnostics;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Tessera.Yaml;

/// <summary>Reads YAML through the representation model so every error names file:line:column.</summary>
internal sealed class YamlReader(string file)
{
    public string File { get; } = file;

    /// <summary>Loads a file's first document as a mapping.</summary>
    public static (YamlReader Reader, YamlMappingNode Root) Load(string path, bool lastKeyWins = false)
    {
        var (reader, root) = LoadAny(path, lastKeyWins);
        return root is YamlMappingNode map ? (reader, map)
            : throw TesseraInputException.At($"{reader.File}:1:1", "expected a mapping at the top level");
    }

    /// <summary>Loads a file's first document, whatever its top-level node (mapping files are lists).</summary>
    /// <remarks>
    /// With <paramref name="lastKeyWins"/> a key repeated in one mapping replaces the earlier one, as PyYAML does
    /// (ZigZag's own example files rely on it); the earlier block is commented out so line numbers stay true.
    /// </remarks>
    public static (YamlReader Reader, YamlNode Root) LoadAny(string path, bool lastKeyWins = false)
    {
        var name = Path.GetFileName(path);
        var content = InputFiles.ReadAllText(path, "YAML file");
        using var text = new StringReader(lastKeyWins ? DropEarlierDuplicateKeys(content.ReplaceLineEndings("\n").Split('\n')) : content);
        return Parse(text, name);
    }

    /// <summary>Parses YAML text (an embedded default file) as a mapping; errors name <paramref name="name"/>:line:column.</summary>
    public static (YamlReader Reader, YamlMappingNode Root) LoadText(string yaml, string name)
    {
        using var text = new StringReader(yaml);
        var (reader, root) = Parse(text, name);
        return root is YamlMappingNode map ? (reader, map)
            : throw TesseraInputException.At($"{name}:1:1", "expected a mapping at the top level");
    }

    private static (YamlReader Reader, YamlNode Root) Parse(TextReader text, string name)
    {
        var reader = new YamlReader(name);
        var stream = new YamlStream();
        var parser = new TrackingParser(new Parser(text), Limits.Current.YamlDepth, name);
        try
        {
            stream.Load(parser);
        }
        catch (YamlException e)
        {
            throw TesseraInputException.At($"{name}:{e.Start.Line}:{e.Start.Column}", $"malformed YAML: {Inner(e).Message}");
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            // YamlDotNet's scanner sometimes fails without a position; report where parsing stopped.
            throw TesseraInputException.At($"{name}:{parser.Last.Line}:{parser.Last.Column}", "malformed YAML after this point; expected closed brackets, braces and quotes");
        }
        if (stream.Documents.Count == 0)
            throw TesseraInputException.At($"{name}:1:1", "the file is empty; expected YAML");
        return (reader, stream.Documents[0].RootNode);
    }

    /// <summary>Comments out every block mapping entry whose key appears again later in the same mapping.</summary>
    private static string DropEarlierDuplicateKeys(string[] lines)
    {
        static int Indent(string line) => line.Length - line.TrimStart().Length;
        var frames = new Stack<(int Indent, Dictionary<string, int> Keys)>();
        var dropped = new List<int>();
        for (int i = 0; i < lines.Length; i++)
        {
            var trimmed = lines[i].TrimStart();
            if (trimmed.Length == 0 || trimmed[0] == '#') continue;
            int indent = Indent(lines[i]);
            bool item = trimmed.StartsWith("- ", StringComparison.Ordinal);
            if (item) { indent += 2; trimmed = trimmed[2..].TrimStart(); }
            int colon = trimmed.IndexOf(':', StringComparison.Ordinal);
            bool isKey = colon > 0 && (colon == trimmed.Length - 1 || trimmed[colon + 1] == ' ') && !trimmed.StartsWith('[') && !trimmed.StartsWith('{');
            while (frames.Count > 0 && (frames.Peek().Indent > indent || (item && frames.Peek().Indent == indent))) frames.Pop();
            if (!isKey) continue;
            if (frames.Count == 0 || frames.Peek().Indent < indent) frames.Push((indent, new Dictionary<string, int>(StringComparer.Ordinal)));
            var key = trimmed[..colon].Trim();
            var keys = frames.Peek().Keys;
            if (keys.TryGetValue(key, out var earlier)) dropped.Add(earlier);
            keys[key] = i;
        }
        foreach (var start in dropped)
        {
            int indent = Indent(lines[start]);
            lines[start] = "#" + lines[start];
            for (int j = start + 1; j < lines.Length; j++)
            {
                var t = lines[j].TrimStart();
                if (t.Length > 0 && t[0] != '#' && Indent(lines[j]) <= indent && !(Indent(lines[j]) == indent && t.StartsWith("- ", StringComparison.Ordinal))) break;
                lines[j] = "#" + lines[j];
            }
        }
        return string.Join('\n', lines);
    }

    /// <summary>
    /// Remembers the end of the last event parsed, for errors that carry no position, and refuses nesting deeper than
    /// <paramref name="maxDepth"/> before the recursive loader could overflow the stack.
    /// </summary>
    private sealed class TrackingParser(IParser inner, int maxDepth, string name) : IParser
    {
        private int _depth;

        public Mark Last { get; private set; } = Mark.Empty;

        public YamlDotNet.Core.Events.ParsingEvent? Current => inner.Current;

        public bool MoveNext()
        {
            if (inner.Current is { } current) Last = current.End;
            if (!inner.MoveNext()) return false;
            switch (inner.Current)
            {
                case YamlDotNet.Core.Events.MappingStart or YamlDotNet.Core.Events.SequenceStart:
                    if (++_depth > maxDepth)
                        throw TesseraInputException.At($"{name}:{inner.Current.Start.Line}:{inner.Current.Start.Column}",
                            $"YAML nested deeper than {maxDepth} levels; expected at most {maxDepth}");
                    break;
                case YamlDotNet.Core.Events.MappingEnd or YamlDotNet.Core.Events.SequenceEnd:
                    _depth--;
                    break;
            }
            return true;
        }
    }

    private static Exception Inner(Exception e) => e.InnerException is YamlException inner ? Inner(inner) : e;

    public TesseraInputException Error(YamlNode node, string what) =>
        TesseraInputException.At($"{File}:{node.Start.Line}:{node.Start.Column}", what);

    /// <summary>
    /// Refuses a key the mapping may not hold, naming it, where it is, the nearest known key and every known key, so a
    /// typo never falls back silently to a default.
    /// </summary>
    public void KnownKeys(YamlMappingNode map, string context, params string[] keys)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(keys);
        foreach (var (k, _) in map.Children)
        {
            var key = Text(k, "key");
            if (!keys.Contains(key))
                throw Error(k, $"unknown key '{key}' in {context}{Suggestions.DidYouMean(key, keys)}; expected {string.Join(", ", keys)}");
        }
    }

    public static YamlNode? Find(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var n) ? n : null;

    public YamlNode Need(YamlMappingNode map, string key, string context) =>
        Find(map, key) ?? throw Error(map, $"{context} lacks '{key}'");

    public YamlMappingNode Mapping(YamlNode node, string what) =>
        node as YamlMappingNode ?? throw Error(node, $"{what} must be a mapping");

    public YamlSequenceNode Sequence(YamlNode node, string what) =>
        node as YamlSequenceNode ?? throw Error(node, $"{what} must be a list");

    public string Text(YamlNode node, string what) =>
        node is YamlScalarNode { Value: { } v } ? v : throw Error(node, $"{what} must be a scalar");

    public string? OptionalText(YamlMappingNode map, string key) => Find(map, key) is { } n ? Text(n, key) : null;

    /// <summary>A scalar read by <paramref name="parse"/> (a name of a profile, model or objective); its input error is reported at the node.</summary>
    public T Parsed<T>(YamlNode node, string what, Func<string, T> parse)
    {
        try { return parse(Text(node, what)); }
        catch (TesseraInputException e) { throw Error(node, e.Message); }
    }

    /// <summary>A finite number: NaN, infinities and values beyond double's range ("1e999") are refused here, once.</summary>
    public double Number(YamlNode node, string what) => Finite(node, what, "a finite number");

    public double Positive(YamlNode node, string what)
    {
        var v = Finite(node, what, "a positive finite number");
        return v > 0 ? v : throw Error(node, $"{what} is {Text(node, what)}; expected a positive finite number");
    }

    /// <summary>A finite number ≥ 0 (energies, latencies, costs).</summary>
    public double NonNegative(YamlNode node, string what)
    {
        var v = Finite(node, what, "a finite number ≥ 0");
        return v >= 0 ? v : throw Error(node, $"{what} is {Text(node, what)}; expected a finite number ≥ 0");
    }

    public int PositiveInt(YamlNode node, string what) => (int)Long(node, what, 1, int.MaxValue, "a positive integer");

    /// <summary>A whole number in [<paramref name="min"/>, <paramref name="max"/>] (coordinates, bit widths).</summary>
    public int Int(YamlNode node, string what, int min, int max) => (int)Long(node, what, min, max);

    /// <summary>A whole number in [<paramref name="min"/>, <paramref name="max"/>] (sizes in bits, byte counts).</summary>
    public long Long(YamlNode node, string what, long min, long max, string? expected = null)
    {
        expected ??= $"a whole number from {min} to {max}";
        var v = Finite(node, what, expected);
        return v == Math.Floor(v) && v >= min && v <= max ? (long)v : throw Error(node, $"{what} is {Text(node, what)}; expected {expected}");
    }

    /// <summary>A bit width of operands: a whole number from 1 to <see cref="Limits.MaxOperandBits"/>.</summary>
    public int Bits(YamlNode node, string what) => Int(node, what, 1, Limits.MaxOperandBits);

    private double Finite(YamlNode node, string what, string expected)
    {
        var text = Text(node, what).Replace("_", "", StringComparison.Ordinal);
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
            throw Error(node, $"{what} is '{text}'; expected a number");
        return double.IsFinite(v) ? v : throw Error(node, $"{what} is '{text}'; expected {expected}");
    }

    /// <summary>A quantity with an optional unit suffix ("24 MiB", "700 MHz"), converted with the given table.</summary>
    public double Quantity(YamlNode node, string what, IReadOnlyDictionary<string, double> units, string defaultUnit)
    {
        var text = Text(node, what).Trim().Replace("_", "", StringComparison.Ordinal);
        var split = 0;
        while (split < text.Length && (char.IsDigit(text[split]) || text[split] is '.' or 'e' or 'E' or '+' or '-'))
            split++;
        var numberText = text[..split];
        var unit = text[split..].Trim();
        if (unit.Length == 0) unit = defaultUnit;
        if (!double.TryParse(numberText, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
            throw Error(node, $"{what} is '{text}'; expected a number with an optional unit ({string.Join(", ", units.Keys)})");
        if (!units.TryGetValue(unit, out var factor))
            throw Error(node, $"{what} has unit '{unit}'; expected one of {string.Join(", ", units.Keys)}");
        var result = v * factor;
        return result > 0 && double.IsFinite(result) ? result : throw Error(node, $"{what} is {text}; expected a positive finite value");
    }

    public static readonly IReadOnlyDictionary<string, double> SizeUnits = new Dictionary<string, double>(StringComparer.Ordinal)
    {
        ["B"] = 1, ["KB"] = 1024, ["KiB"] = 1024, ["MB"] = 1 << 20, ["MiB"] = 1 << 20, ["GB"] = 1 << 30, ["GiB"] = 1 << 30,
        ["bit"] = 1.0 / 8, ["bits"] = 1.0 / 8,
    };

    public static readonly IReadOnlyDictionary<string, double> FrequencyUnits = new Dictionary<string, double>(StringComparer.Ordinal)
    {
        ["Hz"] = 1, ["kHz"] = 1e3, ["MHz"] = 1e6, ["GHz"] = 1e9,
    };

    public static readonly IReadOnlyDictionary<string, double> BandwidthUnits = new Dictionary<string, double>(StringComparer.Ordinal)
    {
        ["B/s"] = 1, ["MB/s"] = 1e6, ["GB/s"] = 1e9, ["TB/s"] = 1e12,
    };

    public static readonly IReadOnlyDictionary<string, double> TimeUnits = new Dictionary<string, double>(StringComparer.Ordinal)
    {
        ["s"] = 1, ["ms"] = 1e-3, ["us"] = 1e-6, ["ns"] = 1e-9, ["ps"] = 1e-12,
    };
}
