using System.Collections.Immutable;
using System.Globalization;
using Tessera.Diagnostics;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Tessera.Technology;

/// <summary>One cited constant: its default value, optional published range, unit and source.</summary>
public sealed record TechnologyEntry(
    string Key, double Value, double? Min, double? Max, string Unit, string Source, string? Note,
    ImmutableDictionary<string, double> Attributes);

/// <summary>An off-chip memory type. Bandwidth per device in bytes/s.</summary>
public sealed record DramSpec(
    string Type, double BandwidthBytesPerSecond, double EnergyPerBitPj, double LatencySeconds, long CapacityBytes,
    double? CostPerGbUsd, string Source);

/// <summary>A die-to-die or on-package link kind. Bandwidth per link (or per chiplet port) in bytes/s.</summary>
public sealed record DieToDieSpec(
    string Kind, double EnergyPerBitPj, double BandwidthBytesPerSecond, double LatencySeconds,
    double? BandwidthPerMmBytesPerSecond, double? ReachMm, string Source);

/// <summary>The cited constants every default is drawn from (see technology.yaml).</summary>
public sealed class TechnologyLibrary
{
    private const string ResourceName = "Tessera.Technology.technology.yaml";
    private readonly ImmutableDictionary<string, TechnologyEntry> _entries;
    private readonly string _source;

    private TechnologyLibrary(ImmutableArray<TechnologyEntry> entries, string source)
    {
        Entries = entries;
        _entries = entries.ToImmutableDictionary(e => e.Key, StringComparer.Ordinal);
        _source = source;
        Nodes = [.. Children("scaling.logic_energy").OrderByDescending(NodeNanometres)];
        // SRAM e(size) = a·√size, least squares in log space through the listed points.
        var points = Children("sram.read_energy_points_45nm").Select(k => Get($"sram.read_energy_points_45nm.{k}")).ToList();
        if (points.Count == 0)
            throw TesseraInputException.At(source, "sram.read_energy_points_45nm lists no points");
        _sramCoefficient = Math.Exp(points.Average(p => Math.Log(p.Value) - 0.5 * Math.Log(Attribute(p, "size_bytes"))));
    }

    private readonly double _sramCoefficient;

    /// <summary>Every constant with its source, in file order (for `tessera tech`).</summary>
    public ImmutableArray<TechnologyEntry> Entries { get; }

    /// <summary>Technology nodes known to the library, largest first ("45nm" … "3nm").</summary>
    public ImmutableArray<string> Nodes { get; }

    /// <summary>Loads the library embedded in Tessera.Core.</summary>
    public static TechnologyLibrary LoadDefault() => Parse(DefaultText, "technology.yaml");

    /// <summary>The text of the built-in technology file (manifests hash it).</summary>
    public static string DefaultText { get; } = ReadDefault();

    private static string ReadDefault()
    {
        using var stream = typeof(TechnologyLibrary).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"embedded resource {ResourceName} is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Parses a technology file (same format as the embedded one).</summary>
    public static TechnologyLibrary Parse(string yaml, string sourceName)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw TesseraInputException.At($"{sourceName}:{e.Start.Line}:{e.Start.Column}", $"malformed YAML: {e.Message}");
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw TesseraInputException.At(sourceName, "expected a mapping of technology entries");
        var entries = ImmutableArray.CreateBuilder<TechnologyEntry>();
        Walk(root, "", sourceName, entries);
        return new TechnologyLibrary(entries.ToImmutable(), sourceName);
    }

    private static readonly HashSet<string> EntryFields = ["value", "min", "max", "unit", "source", "note"];

    private static void Walk(YamlMappingNode node, string prefix, string file, ImmutableArray<TechnologyEntry>.Builder into)
    {
        foreach (var (keyNode, child) in node.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value ?? "";
            var path = prefix.Length == 0 ? key : $"{prefix}.{key}";
            if (child is not YamlMappingNode map)
                throw TesseraInputException.At(Where(file, child), $"'{path}' is no mapping; expected an entry with value, unit and source");
            if (map.Children.ContainsKey(new YamlScalarNode("value")))
                into.Add(ReadEntry(map, path, file));
            else
                Walk(map, path, file, into);
        }
    }

    private static TechnologyEntry ReadEntry(YamlMappingNode map, string path, string file)
    {
        string? Text(string field) =>
            map.Children.TryGetValue(new YamlScalarNode(field), out var n) && n is YamlScalarNode s ? s.Value : null;
        double? Number(string field)
        {
            var text = Text(field);
            if (text is null) return null;
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
                throw TesseraInputException.At(Where(file, map), $"'{path}.{field}' is '{text}'; expected a number");
            return v;
        }
        var source = Text("source");
        var unit = Text("unit");
        if (string.IsNullOrWhiteSpace(source) || string.IsNullOrWhiteSpace(unit))
            throw TesseraInputException.At(Where(file, map), $"entry '{path}' needs a unit and a source");
        // Extra numeric fields (e.g. size_bytes of a fit point) travel as attributes.
        var attributes = map.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value ?? "")
            .Where(k => !EntryFields.Contains(k))
            .ToImmutableDictionary(k => k, k => Number(k)!.Value, StringComparer.Ordinal);
        return new TechnologyEntry(path, Number("value")!.Value, Number("min"), Number("max"), unit, source, Text("note"), attributes);
    }

    private static string Where(string file, YamlNode node) => $"{file}:{node.Start.Line}:{node.Start.Column}";

    private static double Attribute(TechnologyEntry entry, string name) =>
        entry.Attributes.TryGetValue(name, out var v) ? v
            : throw new TesseraInputException($"technology entry '{entry.Key}' lacks '{name}'");

    // ---------------------------------------------------------------- generic access

    /// <summary>An entry by its dotted key, e.g. "dram.HBM3.energy_per_bit".</summary>
    public TechnologyEntry Get(string key) =>
        _entries.TryGetValue(key, out var e) ? e
            : throw TesseraInputException.At(_source, $"unknown technology entry '{key}'");

    /// <summary>Whether an entry exists.</summary>
    public bool Contains(string key) => _entries.ContainsKey(key);

    /// <summary>The default value of an entry, converted to SI base units (bytes, seconds, Hz, bytes/s).</summary>
    public double Si(string key)
    {
        var e = Get(key);
        return e.Value * UnitFactor(e.Unit);
    }

    /// <summary>The default value of an entry as written in the file (in its own unit).</summary>
    public double Value(string key) => Get(key).Value;

    /// <summary>The direct children of a group, e.g. Children("dram") → DDR4, DDR5, ….</summary>
    public IEnumerable<string> Children(string group)
    {
        var prefix = group + ".";
        return Entries.Select(e => e.Key).Where(k => k.StartsWith(prefix, StringComparison.Ordinal))
            .Select(k => k[prefix.Length..].Split('.')[0]).Distinct(StringComparer.Ordinal);
    }

    /// <summary>Multiplier from a file unit to SI (size units are binary: 1 KB = 1024 B).</summary>
    public static double UnitFactor(string unit) => unit switch
    {
        "GB/s" => 1e9,
        "GB/s/mm" => 1e9,
        "GB/s/mm2" => 1e9,
        "ns" => 1e-9,
        "MHz" => 1e6,
        "GHz" => 1e9,
        "B" => 1,
        "KB" or "KiB" => 1024,
        "MB" or "MiB" => 1024 * 1024,
        "GB" or "GiB" => 1024.0 * 1024 * 1024,
        "MUSD" => 1e6,
        _ => 1,
    };

    // ---------------------------------------------------------------- nodes and scaling

    /// <summary>Normalises "7", "n7", "N7", "7nm" to "7nm" and checks the library knows it.</summary>
    public string Node(string node)
    {
        var n = NormaliseNode(node);
        return Nodes.Contains(n) ? n
            : throw new TesseraInputException($"unknown technology node '{node}'; expected one of {string.Join(", ", Nodes)}");
    }

    /// <summary>The node named by an entry whose value is in nm, e.g. "scar.node" → "28nm".</summary>
    public string NodeFrom(string key) => Node(Value(key).ToString(CultureInfo.InvariantCulture) + "nm");

    private static string NormaliseNode(string node)
    {
        var t = node.Trim().ToLowerInvariant();
        if (t.StartsWith('n')) t = t[1..];
        if (t.EndsWith("nm", StringComparison.Ordinal)) t = t[..^2];
        return t.Trim() + "nm";
    }

    private static double NodeNanometres(string node) =>
        double.TryParse(node.Replace("nm", "", StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : 0;

    private double PerNode(string group, string node, string what)
    {
        var n = Node(node);
        var key = $"{group}.{n}";
        if (!_entries.TryGetValue(key, out var e))
            throw new TesseraInputException(
                $"no {what} for node '{node}'; expected one of {string.Join(", ", Children(group))}");
        return e.Value * UnitFactor(e.Unit);
    }

    /// <summary>Logic dynamic-energy factor relative to 45 nm.</summary>
    public double LogicEnergyScale(string node) => PerNode("scaling.logic_energy", node, "logic energy scaling");

    /// <summary>SRAM access-energy factor relative to 45 nm.</summary>
    public double SramEnergyScale(string node) => PerNode("scaling.sram_energy", node, "SRAM energy scaling");

    /// <summary>Logic area factor relative to 14 nm.</summary>
    public double LogicAreaScale(string node) => PerNode("scaling.logic_area", node, "logic area scaling");

    // ---------------------------------------------------------------- compute

    /// <summary>Known MAC precisions (int8, int16, fp16, bf16, fp32).</summary>
    public IEnumerable<string> Precisions => Children("mac.energy_45nm");

    /// <summary>Precision name for a bit width: 8 → int8, 16 → int16, 32 → fp32.</summary>
    public string PrecisionOf(int bits)
    {
        var name = bits switch { 8 => "int8", 16 => "int16", 32 => "fp32", _ => $"int{bits}" };
        return Precisions.Contains(name) ? name
            : throw new TesseraInputException($"no MAC precision of {bits} bits; expected 8, 16 or 32 (or one of {string.Join(", ", Precisions)})");
    }

    /// <summary>Bit width of a precision name.</summary>
    public static int BitsOf(string precision) =>
        int.Parse(new string(precision.Where(char.IsDigit).ToArray()), CultureInfo.InvariantCulture);

    /// <summary>Energy of one MAC (multiply + add) in pJ at a node.</summary>
    public double MacEnergyPj(string precision, string node) =>
        Precision("mac.energy_45nm", precision).Value * LogicEnergyScale(node);

    /// <summary>Energy of one MAC of the given bit width (8 → int8, 16 → int16, 32 → fp32) in pJ at a node.</summary>
    public double MacEnergyPj(int bits, string node) => MacEnergyPj(PrecisionOf(bits), node);

    /// <summary>Area of one MAC in µm² at a node (Mozart bf16 at 14 nm × precision ratio × node area factor).</summary>
    public double MacAreaUm2(string precision, string node) =>
        Get("mac.area_14nm.bf16").Value * Precision("mac.area_ratio_to_bf16", precision).Value * LogicAreaScale(node);

    private TechnologyEntry Precision(string group, string precision)
    {
        var p = precision.Trim().ToLowerInvariant();
        return _entries.TryGetValue($"{group}.{p}", out var e) ? e
            : throw new TesseraInputException($"unknown MAC precision '{precision}'; expected one of {string.Join(", ", Children(group))}");
    }

    // ---------------------------------------------------------------- on-chip memory

    /// <summary>SRAM read energy per bit in pJ: register-file energy up to its size limit, then a·√size.</summary>
    public double SramEnergyPerBitPj(long bytes, string node)
    {
        if (bytes <= 0)
            throw new TesseraInputException($"SRAM size {bytes} B; expected a positive size");
        var rf = Get("register_file.energy_per_bit_45nm").Value;
        var fit = _sramCoefficient * Math.Sqrt(bytes);
        var atFortyFive = bytes <= Si("register_file.max_bytes") ? rf : Math.Max(rf, fit);
        return atFortyFive * SramEnergyScale(node);
    }

    /// <summary>SRAM write energy per bit in pJ (read energy × the write/read ratio).</summary>
    public double SramWriteEnergyPerBitPj(long bytes, string node) =>
        SramEnergyPerBitPj(bytes, node) * Value("sram.write_to_read_ratio");

    /// <summary>Register-file energy per bit in pJ at a node.</summary>
    public double RegisterFileEnergyPerBitPj(string node) =>
        Get("register_file.energy_per_bit_45nm").Value * SramEnergyScale(node);

    /// <summary>SRAM macro area per bit in µm² (bit cell / array efficiency).</summary>
    public double SramAreaPerBitUm2(string node) =>
        PerNode("sram.bitcell_area", node, "SRAM bit cell") / Value("sram.array_efficiency");

    /// <summary>SRAM macro area in mm².</summary>
    public double SramAreaMm2(long bytes, string node) => bytes * 8.0 * SramAreaPerBitUm2(node) / 1e6;

    /// <summary>The points of the √size fit as (bytes, pJ/bit at 45 nm).</summary>
    public IEnumerable<(long Bytes, double EnergyPerBitPj)> SramFitPoints =>
        Children("sram.read_energy_points_45nm").Select(k => Get($"sram.read_energy_points_45nm.{k}"))
            .Select(e => ((long)Attribute(e, "size_bytes"), e.Value));

    // ---------------------------------------------------------------- off-chip and links

    /// <summary>Known DRAM types.</summary>
    public IEnumerable<string> DramTypes => Children("dram");

    /// <summary>An off-chip memory type (case-insensitive name).</summary>
    public DramSpec Dram(string type)
    {
        var name = DramTypes.FirstOrDefault(t => string.Equals(t, type, StringComparison.OrdinalIgnoreCase))
            ?? throw new TesseraInputException($"unknown memory type '{type}'{Suggestions.DidYouMean(type, DramTypes)}; expected one of {string.Join(", ", DramTypes)}");
        var k = $"dram.{name}";
        return new DramSpec(name, Si($"{k}.bandwidth"), Value($"{k}.energy_per_bit"), Si($"{k}.latency"),
            (long)Si($"{k}.capacity"), Contains($"{k}.cost_per_gb") ? Value($"{k}.cost_per_gb") : null,
            Get($"{k}.energy_per_bit").Source);
    }

    /// <summary>Known die-to-die link kinds.</summary>
    public IEnumerable<string> DieToDieKinds => Children("die_to_die");

    /// <summary>
    /// A die-to-die link kind (case-insensitive name). A kind whose reach is a labelled choice (UCIe advanced: spec or
    /// mozart) takes the one <paramref name="reach"/> names, or its first, the default.
    /// </summary>
    public DieToDieSpec DieToDie(string kind, string? reach = null)
    {
        var name = DieToDieKinds.FirstOrDefault(t => string.Equals(t, kind, StringComparison.OrdinalIgnoreCase))
            ?? throw new TesseraInputException($"unknown link type '{kind}'; expected one of {string.Join(", ", DieToDieKinds)}");
        var k = $"die_to_die.{name}";
        return new DieToDieSpec(name, Value($"{k}.energy_per_bit"), Si($"{k}.bandwidth"), Si($"{k}.latency"),
            Contains($"{k}.bandwidth_per_mm") ? Si($"{k}.bandwidth_per_mm") : null,
            ReachMm(name, reach), Get($"{k}.energy_per_bit").Source);
    }

    /// <summary>Known link kinds beyond one package (package to package on a board, node to node through a network).</summary>
    public IEnumerable<string> OffPackageKinds => Children("off_package");

    /// <summary>A link kind of the off-package table (case-insensitive), reach in mm.</summary>
    public DieToDieSpec OffPackage(string kind)
    {
        var name = OffPackageKinds.FirstOrDefault(t => string.Equals(t, kind, StringComparison.OrdinalIgnoreCase))
            ?? throw new TesseraInputException($"unknown off-package link type '{kind}'{Suggestions.DidYouMean(kind, OffPackageKinds)}; expected one of {string.Join(", ", OffPackageKinds)}");
        var k = $"off_package.{name}";
        var reach = Get($"{k}.reach");
        return new DieToDieSpec(name, Value($"{k}.energy_per_bit"), Si($"{k}.bandwidth"), Si($"{k}.latency"), null,
            reach.Value * (reach.Unit == "m" ? 1000 : 1), Get($"{k}.energy_per_bit").Source);
    }

    /// <summary>Every link kind a hardware file may name: die-to-die kinds, then off-package ones.</summary>
    public IEnumerable<string> LinkKinds => DieToDieKinds.Concat(OffPackageKinds);

    /// <summary>A link kind of either table, die-to-die first (case-insensitive).</summary>
    public DieToDieSpec LinkKind(string kind) =>
        DieToDieKinds.Any(t => string.Equals(t, kind, StringComparison.OrdinalIgnoreCase)) ? DieToDie(kind)
        : OffPackageKinds.Any(t => string.Equals(t, kind, StringComparison.OrdinalIgnoreCase)) ? OffPackage(kind)
        : throw new TesseraInputException($"unknown link type '{kind}'{Suggestions.DidYouMean(kind, LinkKinds)}; expected one of {string.Join(", ", LinkKinds)}");

    /// <summary>The named reach choices of a link kind, the default first; empty when it has a single reach.</summary>
    public IReadOnlyList<string> ReachChoices(string kind) => [.. Children($"die_to_die.{DieToDie(kind).Kind}.reach")];

    private double? ReachMm(string kind, string? choice)
    {
        var key = $"die_to_die.{kind}.reach";
        var choices = Children(key).ToList();
        if (choices.Count == 0)
            return choice is null ? Contains(key) ? Value(key) : null
                : throw new TesseraInputException($"link type '{kind}' has no reach choices; '{choice}' names none");
        var name = choice is null ? choices[0]
            : choices.FirstOrDefault(c => string.Equals(c, choice.Trim(), StringComparison.OrdinalIgnoreCase))
              ?? throw new TesseraInputException(
                  $"unknown {kind} reach '{choice}'{Suggestions.DidYouMean(choice, choices)}; expected one of {string.Join(", ", choices)}");
        return Value($"{key}.{name}");
    }

    /// <summary>On-chip NoC energy per bit per hop (router + link) in pJ.</summary>
    public double NocHopEnergyPerBitPj(string node) => PerNode("noc.hop_energy_per_bit", node, "NoC hop energy");

    // ---------------------------------------------------------------- manufacturing

    /// <summary>Price of one 300 mm wafer in USD.</summary>
    public double WaferCostUsd(string node) => PerNode("manufacturing.wafer_cost", node, "wafer cost");

    /// <summary>Defect density D0 per cm².</summary>
    public double DefectDensityPerCm2(string node) => PerNode("manufacturing.defect_density", node, "defect density");

    /// <summary>Negative-binomial clustering parameter α for dies.</summary>
    public double NegativeBinomialAlpha => Value("manufacturing.negative_binomial_alpha");

    /// <summary>Largest die the lithography allows, in mm².</summary>
    public double ReticleLimitMm2 => Value("manufacturing.reticle_limit");

    /// <summary>NRE of a 300 mm² chip including first tape-out, in USD.</summary>
    public double NreUsd(string node) => PerNode("manufacturing.nre", node, "NRE");
}
