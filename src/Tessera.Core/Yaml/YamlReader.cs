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
    public static (YamlReader Reader, YamlMappingNode Root) Load(string path)
    {
        var (reader, root) = LoadAny(path);
        return root is YamlMappingNode map ? (reader, map)
            : throw TesseraInputException.At($"{reader.File}:1:1", "expected a mapping at the top level");
    }

    /// <summary>Loads a file's first document, whatever its top-level node (Stream mappings are lists).</summary>
    /// <param name="tolerateRepeatedKeys">
    /// Accept a key repeated with the same scalar value (files written for PyYAML, which keeps the last value,
    /// sometimes repeat one); a repeat with another value is still an error.
    /// </param>
    public static (YamlReader Reader, YamlNode Root) LoadAny(string path, bool tolerateRepeatedKeys = false)
    {
        var name = Path.GetFileName(path);
        if (!System.IO.File.Exists(path))
            throw new TesseraInputException($"{path}: file not found");
        var reader = new YamlReader(name);
        var stream = new YamlStream();
        using var text = new StreamReader(path);
        IParser source = new Parser(text);
        if (tolerateRepeatedKeys) source = new RepeatedKeyFilter(source);
        var parser = new TrackingParser(source);
        try
        {
            stream.Load(parser);
        }
        catch (YamlException e)
        {
            throw TesseraInputException.At($"{name}:{e.Start.Line}:{e.Start.Column}", $"malformed YAML: {Inner(e).Message}");
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner sometimes fails without a position; report where parsing stopped.
            throw TesseraInputException.At($"{name}:{parser.Last.Line}:{parser.Last.Column}", "malformed YAML after this point; expected closed brackets, braces and quotes");
        }
        if (stream.Documents.Count == 0)
            throw TesseraInputException.At($"{name}:1:1", "the file is empty; expected a YAML document");
        return (reader, stream.Documents[0].RootNode);
    }

    /// <summary>Remembers the end of the last event parsed, for errors that carry no position.</summary>
    private sealed class TrackingParser(IParser inner) : IParser
    {
        public Mark Last { get; private set; } = Mark.Empty;

        public YamlDotNet.Core.Events.ParsingEvent? Current => inner.Current;

        public bool MoveNext()
        {
            if (inner.Current is { } current) Last = current.End;
            return inner.MoveNext();
        }
    }

    /// <summary>Drops a mapping key (and its value) that repeats an earlier key of the same mapping with the same scalar value.</summary>
    private sealed class RepeatedKeyFilter(IParser inner) : IParser
    {
        private sealed class Frame(bool isMapping)
        {
            public bool IsMapping { get; } = isMapping;
            public bool AtKey { get; set; } = isMapping;
            public string? PendingKey { get; set; }
            public Dictionary<string, string?> Values { get; } = new(StringComparer.Ordinal);
        }

        private readonly Stack<Frame> _frames = new();

        public YamlDotNet.Core.Events.ParsingEvent? Current => inner.Current;

        public bool MoveNext()
        {
            while (inner.MoveNext())
            {
                var e = inner.Current!;
                if (_frames.TryPeek(out var top) && top.IsMapping && top.AtKey
                    && e is YamlDotNet.Core.Events.Scalar key && top.Values.TryGetValue(key.Value, out var first))
                {
                    if (!inner.MoveNext() || inner.Current is not YamlDotNet.Core.Events.Scalar value || value.Value != first)
                        throw new YamlException(key.Start, key.End, $"Duplicate key {key.Value} with a different value");
                    continue;
                }
                Track(e);
                return true;
            }
            return false;
        }

        private void Track(YamlDotNet.Core.Events.ParsingEvent e)
        {
            switch (e)
            {
                case YamlDotNet.Core.Events.MappingStart:
                    Started(null);
                    _frames.Push(new Frame(true));
                    break;
                case YamlDotNet.Core.Events.SequenceStart:
                    Started(null);
                    _frames.Push(new Frame(false));
                    break;
                case YamlDotNet.Core.Events.MappingEnd or YamlDotNet.Core.Events.SequenceEnd:
                    _frames.Pop();
                    break;
                case YamlDotNet.Core.Events.Scalar scalar:
                    Started(scalar.Value);
                    break;
                case YamlDotNet.Core.Events.AnchorAlias:
                    Started(null);
                    break;
            }
        }

        /// <summary>A node begins in the current frame: a key is remembered, a value completes its key.</summary>
        private void Started(string? scalar)
        {
            if (!_frames.TryPeek(out var top) || !top.IsMapping) return;
            if (top.AtKey)
                top.PendingKey = scalar;
            else if (top.PendingKey is { } k)
                top.Values[k] = scalar;
            top.AtKey = !top.AtKey;
        }
    }

    private static Exception Inner(Exception e) => e.InnerException is YamlException inner ? Inner(inner) : e;

    public TesseraInputException Error(YamlNode node, string what) =>
        TesseraInputException.At($"{File}:{node.Start.Line}:{node.Start.Column}", what);

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

    public double Number(YamlNode node, string what)
    {
        var text = Text(node, what).Replace("_", "", StringComparison.Ordinal);
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v
            : throw Error(node, $"{what} is '{text}'; expected a number");
    }

    public double Positive(YamlNode node, string what)
    {
        var v = Number(node, what);
        return v > 0 ? v : throw Error(node, $"{what} is {Text(node, what)}; expected a positive number");
    }

    public int PositiveInt(YamlNode node, string what)
    {
        var v = Positive(node, what);
        return v == Math.Floor(v) && v <= int.MaxValue ? (int)v : throw Error(node, $"{what} is {v}; expected a positive integer");
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
        return result > 0 ? result : throw Error(node, $"{what} is {text}; expected a positive value");
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
