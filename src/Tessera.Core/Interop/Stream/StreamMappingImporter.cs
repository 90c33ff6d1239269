using System.Collections.Immutable;
using Tessera.Diagnostics;
using Tessera.Hardware;
using Tessera.Workloads.Tiling;
using Tessera.Yaml;
using YamlDotNet.RepresentationModel;

namespace Tessera.Interop.Stream;

/// <summary>
/// Reads Stream's mapping files in both of their forms: the older top-level list of entries (core_allocation as a
/// list, tilings as "DIM, n" strings) and the newer mapping with layers (allocations and tilings as lists of
/// groups, cuts as {dim, split}) and fused_groups ({dim: LAYER.Dn, tile: size}).
/// </summary>
internal static class StreamMappingImporter
{
    /// <summary>ZigZag's loop-dimension letters that Stream mappings use (H: attention heads).</summary>
    private static readonly ImmutableHashSet<string> LetterDimensions =
        ["B", "G", "K", "C", "OY", "OX", "FY", "FX", "D", "H", "IY", "IX"];

    public static StreamMapping Load(string path, Package accelerator)
    {
        // Stream reads these files with PyYAML, which accepts repeated keys; one shipped file repeats one.
        var (r, root) = YamlReader.LoadAny(path, lastKeyWins: true);
        YamlSequenceNode entries;
        var groups = ImmutableArray.CreateBuilder<StreamFusedGroup>();
        switch (root)
        {
            case YamlSequenceNode list:
                entries = list;
                break;
            case YamlMappingNode map:
                r.KnownKeys(map, "a Stream mapping", "layers", "fused_groups");
                entries = r.Sequence(r.Need(map, "layers", "a Stream mapping"), "layers");
                if (YamlReader.Find(map, "fused_groups") is { } fg)
                    foreach (var g in r.Sequence(fg, "fused_groups"))
                        groups.Add(FusedGroup(r, r.Mapping(g, "a fused group")));
                break;
            default:
                throw r.Error(root, "a Stream mapping must be a list of entries or a mapping with 'layers'");
        }
        var rules = ImmutableArray.CreateBuilder<StreamMappingRule>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in entries)
        {
            var rule = Rule(r, r.Mapping(item, "a mapping entry"), accelerator);
            if (!seen.Add(rule.Name))
                throw r.Error(item, $"entry '{rule.Name}' appears twice; expected one entry per layer name or op type");
            rules.Add(rule);
        }
        return new StreamMapping(r.File, rules.ToImmutable(), groups.ToImmutable());
    }

    private static StreamMappingRule Rule(YamlReader r, YamlMappingNode m, Package accelerator)
    {
        r.KnownKeys(m, "a mapping entry", "name", "core_allocation", "core_allocation_is_fixed", "intra_core_tiling", "inter_core_tiling", "spatial_mapping");
        var name = r.Text(r.Need(m, "name", "a mapping entry"), "name");
        var allocation = YamlReader.Find(m, "core_allocation") is { } ca ? Allocation(r, ca, accelerator) : [];
        var isFixed = YamlReader.Find(m, "core_allocation_is_fixed") is { } f && Boolean(r, f, "core_allocation_is_fixed");
        var intra = YamlReader.Find(m, "intra_core_tiling") is { } ia ? Groups(r, ia, "intra_core_tiling") : [];
        var inter = YamlReader.Find(m, "inter_core_tiling") is { } ie ? Groups(r, ie, "inter_core_tiling") : [];
        var spatial = YamlReader.Find(m, "spatial_mapping") is { } sm ? Spatial(r, sm) : ImmutableDictionary<string, string>.Empty;
        var where = $"{r.File}:{m.Start.Line}:{m.Start.Column}";
        return new StreamMappingRule(name, where, allocation, isFixed,
            new TilingSpec([.. intra.SelectMany(g => g.Splits)]), inter, spatial);
    }

    /// <summary>A flat list of core ids is one group; a list of lists is one group per inner list.</summary>
    private static ImmutableArray<ImmutableArray<string>> Allocation(YamlReader r, YamlNode node, Package accelerator)
    {
        var list = r.Sequence(node, "core_allocation");
        var nested = list.Children.Any(c => c is YamlSequenceNode);
        IEnumerable<YamlNode> groups = nested ? list.Children : [list];
        return [.. groups.Select(g => r.Sequence(g, "a core_allocation group") is { Children.Count: > 0 } group
            ? group.Children.Select(c => Core(r, c, accelerator)).ToImmutableArray()
            : throw r.Error(g, "core_allocation lists no core; expected at least one core id"))];
    }

    private static string Core(YamlReader r, YamlNode node, Package accelerator)
    {
        var id = r.Text(node, "core id");
        var instance = StreamHardwareImporter.InstanceId(id);
        if (accelerator.Chiplets.Any(c => c.Id == instance)) return instance;
        if (accelerator.Memories.Any(d => d.Id == instance))
            throw r.Error(node, $"core {id} is a memory core of accelerator '{accelerator.Name}'; expected a compute core");
        var known = string.Join(", ", accelerator.Chiplets.Select(c => c.Id.StartsWith("core", StringComparison.Ordinal) ? c.Id[4..] : c.Id));
        throw r.Error(node, $"core {id} does not exist in accelerator '{accelerator.Name}'; expected one of {known}");
    }

    /// <summary>Tiling items: cuts ("K, 4" or {dim, split|tile}), or lists of cuts (one group each).</summary>
    private static ImmutableArray<TilingSpec> Groups(YamlReader r, YamlNode node, string what)
    {
        var list = r.Sequence(node, what);
        if (!list.Children.Any(c => c is YamlSequenceNode))
            return [new TilingSpec([.. list.Children.Select(c => Cut(r, c, what).Split)])];
        return [.. list.Children.Select(g => new TilingSpec([.. r.Sequence(g, $"a {what} group").Children.Select(c => Cut(r, c, what).Split)]))];
    }

    private static StreamGroupCut Cut(YamlReader r, YamlNode node, string what)
    {
        DimensionSplit split;
        string dimText;
        if (node is YamlScalarNode)
        {
            try { split = DimensionSplit.Parse(r.Text(node, what)); }
            catch (TesseraInputException e) { throw r.Error(node, e.Message); }
            dimText = split.Dimension;
        }
        else
        {
            var m = r.Mapping(node, $"a {what} cut");
            r.KnownKeys(m, $"a {what} cut", "dim", "split", "tile");
            var dimNode = r.Need(m, "dim", $"a {what} cut");
            dimText = r.Text(dimNode, "dim");
            var (kind, valueNode) = YamlReader.Find(m, "split") is { } s ? (SplitKind.Count, s)
                : YamlReader.Find(m, "tile") is { } t ? (SplitKind.Size, t)
                : throw r.Error(m, $"a {what} cut needs 'split' (number of tiles) or 'tile' (tile size)");
            var text = r.Text(valueNode, kind == SplitKind.Count ? "split" : "tile");
            split = text switch
            {
                "all" => new DimensionSplit(dimText, SplitKind.All),
                "*" => new DimensionSplit(dimText, SplitKind.PerCore),
                _ => new DimensionSplit(dimText, kind, r.PositiveInt(valueNode, kind == SplitKind.Count ? "split" : "tile")),
            };
        }
        // "LAYER.Dn" names a dimension of one layer (fused groups); layer names may themselves contain dots.
        string? layer = null;
        var dim = dimText;
        var dot = dimText.LastIndexOf('.');
        if (dot > 0)
            (layer, dim) = (dimText[..dot], dimText[(dot + 1)..]);
        if (!LetterDimensions.Contains(dim) && !StreamMapping.NumberedDimension().IsMatch(dim))
            throw r.Error(node, $"unknown dimension '{dim}' in {what}; expected one of {string.Join(", ", LetterDimensions.Order(StringComparer.Ordinal))} or D0, D1, …");
        return new StreamGroupCut(layer, split with { Dimension = dim });
    }

    private static StreamFusedGroup FusedGroup(YamlReader r, YamlMappingNode m)
    {
        r.KnownKeys(m, "a fused group", "name", "layers", "intra_core_tiling");
        var name = r.Text(r.Need(m, "name", "a fused group"), "name");
        var layers = r.Sequence(r.Need(m, "layers", $"fused group '{name}'"), "layers").Children
            .Select(l => r.Text(l, "layer")).ToImmutableArray();
        var cuts = YamlReader.Find(m, "intra_core_tiling") is { } t
            ? r.Sequence(t, "intra_core_tiling").Children.Select(c => Cut(r, c, "intra_core_tiling")).ToImmutableArray()
            : [];
        return new StreamFusedGroup(name, $"{r.File}:{m.Start.Line}:{m.Start.Column}", layers, cuts);
    }

    private static ImmutableDictionary<string, string> Spatial(YamlReader r, YamlNode node)
    {
        var m = r.Mapping(node, "spatial_mapping");
        return m.Children.ToImmutableDictionary(
            p => r.Text(p.Key, "array dimension"),
            p => p.Value is YamlSequenceNode s ? string.Join(", ", s.Children.Select(c => r.Text(c, "spatial mapping"))) : r.Text(p.Value, "spatial mapping"),
            StringComparer.Ordinal);
    }

    private static bool Boolean(YamlReader r, YamlNode node, string what) => r.Text(node, what).ToUpperInvariant() switch
    {
        "TRUE" or "YES" or "ON" => true,
        "FALSE" or "NO" or "OFF" => false,
        var other => throw r.Error(node, $"{what} is '{other}'; expected true or false"),
    };
}
