using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Tessera.Hardware;
using Tessera.Workloads;
using Tessera.Workloads.Tiling;

namespace Tessera.Interop.Stream;

/// <summary>
/// One entry of a Stream mapping file: which operators it applies to (a layer name, an op type or "default"),
/// the cores they may run on, and how they are tiled. Dimensions keep Stream's names (OY, K, D6, …);
/// <see cref="StreamMapping.Tiling"/> resolves them per operator.
/// </summary>
/// <param name="Where">file:line:column of the entry, for messages.</param>
/// <param name="CoreAllocation">
/// Chiplet-instance ids of the allowed cores, one list per allocation group (older files have one list; a fixed
/// allocation lists one core per inter-core tile, in order, with repeats).
/// </param>
/// <param name="InterCoreTilings">One tiling per allocation group (empty when the entry has none).</param>
/// <param name="SpatialMapping">Array dimension → loop dimension(s) as written, when the entry has a spatial_mapping.</param>
public sealed record StreamMappingRule(
    string Name, string Where,
    ImmutableArray<ImmutableArray<string>> CoreAllocation, bool AllocationIsFixed,
    TilingSpec IntraCoreTiling, ImmutableArray<TilingSpec> InterCoreTilings,
    ImmutableDictionary<string, string> SpatialMapping)
{
    /// <summary>Every allowed core once, in first-mention order.</summary>
    public ImmutableArray<string> AllowedCores => [.. CoreAllocation.SelectMany(g => g).Distinct()];
}

/// <summary>One cut of a fused group's tiling: a dimension of one layer ("Gemm_Left.D0") and its tile size.</summary>
public sealed record StreamGroupCut(string? Layer, DimensionSplit Split);

/// <summary>A fused group of the newer mapping format: layers scheduled together, tiled by its cuts.</summary>
public sealed record StreamFusedGroup(string Name, string Where, ImmutableArray<string> Layers, ImmutableArray<StreamGroupCut> Tiling);

/// <summary>
/// A Stream mapping file read against an accelerator: rules matched per operator by exact layer name first,
/// then op type, then "default"; allocations already mapped to the accelerator's chiplet-instance ids.
/// </summary>
public sealed partial record StreamMapping(string Source, ImmutableArray<StreamMappingRule> Rules, ImmutableArray<StreamFusedGroup> FusedGroups)
{
    private readonly ImmutableDictionary<string, StreamMappingRule> _byName = Rules
        .GroupBy(r => r.Name, StringComparer.Ordinal).ToImmutableDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);

    /// <summary>Reads a Stream mapping file; core ids must be compute cores of <paramref name="accelerator"/>.</summary>
    public static StreamMapping Load(string path, Package accelerator) => StreamMappingImporter.Load(path, accelerator);

    /// <summary>The rule for an operator: its exact name, else its op type, else "default"; null when none applies.</summary>
    public StreamMappingRule? RuleFor(Operator op) =>
        _byName.GetValueOrDefault(op.Name) ?? _byName.GetValueOrDefault(op.OpType) ?? _byName.GetValueOrDefault("default");

    /// <summary>Chiplet ids an operator may run on (empty when no rule names cores).</summary>
    public ImmutableArray<string> AllowedCores(Operator op) => RuleFor(op)?.AllowedCores ?? [];

    /// <summary>
    /// The tiling of an operator in Tessera's dimension names: the rule's intra-core cuts, then its first
    /// inter-core cuts, then the cuts of any fused group that names this layer. Cuts of an op-type or default rule on
    /// dimensions the operator lacks are dropped (a cut written for the layer itself is refused); "*" becomes one tile
    /// per core of the first allocation group. A fixed allocation of
    /// several cores without an inter-core tiling is split "K, *" (Stream's default inter-core tiling).
    /// </summary>
    public TilingSpec Tiling(ModelGraph model, Operator op)
    {
        var rule = RuleFor(op);
        var cuts = new List<DimensionSplit>();
        foreach (var split in rule is null ? [] : rule.IntraCoreTiling.Splits.Concat(InterCoreCuts(rule)))
            if (ResolveDimension(split.Dimension, model, op) is { } dim)
                cuts.Add(split.Kind == SplitKind.PerCore
                    ? new DimensionSplit(dim, SplitKind.Count, CoreSlots(rule!))
                    : split with { Dimension = dim });
            else if (rule!.Name == op.Name)
                throw Missing(rule.Where, split.Dimension, model, op);
        foreach (var group in FusedGroups)
            foreach (var cut in group.Tiling.Where(c => c.Layer == op.Name))
                cuts.Add(cut.Split with { Dimension = ResolveDimension(cut.Split.Dimension, model, op) ?? throw Missing(group.Where, cut.Split.Dimension, model, op) });
        return new TilingSpec([.. cuts]);
    }

    /// <summary>A cut written for this very layer on a dimension it lacks: refused, so the run never uses another tiling than the file's.</summary>
    private static Diagnostics.TesseraInputException Missing(string where, string dimension, ModelGraph model, Operator op) =>
        Diagnostics.TesseraInputException.At(where, $"layer '{op.Name}' has no dimension '{dimension}'; expected one of {string.Join(", ", OperatorTiler.Dimensions(model, op).Names)}");

    /// <summary>
    /// The chiplet a tile runs on when the mapping decides it: the only allowed core, or for an inter-core split
    /// the core at the tile's position along the split (cores taken in the order listed, wrapping around).
    /// Null when the choice is left to an allocation search.
    /// </summary>
    public string? CoreOf(ModelGraph model, Tile tile)
    {
        var rule = RuleFor(tile.Source);
        if (rule is null || rule.CoreAllocation.IsEmpty || rule.CoreAllocation[0].IsEmpty) return null;
        var cores = rule.CoreAllocation[0];
        if (rule.AllowedCores.Length == 1) return cores[0];
        var (names, sizes) = OperatorTiler.Dimensions(model, tile.Source);
        long position = 0;
        bool split = false;
        foreach (var cut in InterCoreCuts(rule))
        {
            if (ResolveDimension(cut.Dimension, model, tile.Source) is not { } dim || tile.RangeOf(dim) is not { } range) continue;
            var resolved = cut.Kind == SplitKind.PerCore ? new DimensionSplit(dim, SplitKind.Count, cores.Length) : cut;
            var ranges = resolved.Ranges(sizes[names.IndexOf(dim)], cores.Length);
            int index = 0;
            while (index < ranges.Length - 1 && ranges[index].End <= range.Start) index++;
            position = position * ranges.Length + index;
            split = true;
        }
        return split ? cores[(int)(position % cores.Length)] : null;
    }

    private static ImmutableArray<DimensionSplit> InterCoreCuts(StreamMappingRule rule) =>
        !rule.InterCoreTilings.IsEmpty ? rule.InterCoreTilings[0].Splits
        : rule.AllocationIsFixed && CoreSlots(rule) > 1 ? [new DimensionSplit("K", SplitKind.PerCore)]
        : [];

    /// <summary>Cores of the first allocation group, repeats included (a fixed allocation lists one per tile).</summary>
    private static int CoreSlots(StreamMappingRule rule) => rule.CoreAllocation.IsEmpty ? 1 : Math.Max(1, rule.CoreAllocation[0].Length);

    /// <summary>The model tiled as this mapping says, with exact dependencies between the tiles.</summary>
    public TiledWorkload Tile(ModelGraph model) => WorkloadTiler.Tile(model, op => Tiling(model, op));

    /// <summary>
    /// Tessera's dimension for a Stream dimension name on one operator, or null when the operator has none.
    /// Letter names (OY, K, C, D, …) are ZigZag's loop names and match Tessera's directly. Newer files number the
    /// operator's iteration dimensions, D0, D1, …: for a GEMM (m, k, n) → D, C, K (Stream's GemmParser order),
    /// with a leading B for batched products; for element-wise, pooling and shape operators Dᵢ is output axis i;
    /// for a convolution the order B, OY, OX, FY, FX, C, K (then G) is inferred from the comments of Stream's
    /// ResNet-18 mapping (D2 "spatial width", D6 "channels") and is not confirmed by Stream's source.
    /// </summary>
    public static string? ResolveDimension(string streamDimension, ModelGraph model, Operator op)
    {
        var (names, _) = OperatorTiler.Dimensions(model, op);
        var numbered = NumberedDimension().Match(streamDimension);
        if (!numbered.Success)
            return names.Contains(streamDimension) ? streamDimension : null;
        int index = int.Parse(numbered.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        ImmutableArray<string> order = op switch
        {
            ComputeOperator c when c.Nest.Sizes.ContainsKey("OY") => ["B", "OY", "OX", "FY", "FX", "C", "K", "G"],
            ComputeOperator c when c.Nest.Sizes.ContainsKey("D") => c.Nest.Sizes.GetValueOrDefault("B", 1) == 1
                ? ["D", "C", "K"] : ["B", "D", "C", "K"],
            _ => names,
        };
        return index < order.Length && names.Contains(order[index]) ? order[index] : null;
    }

    [GeneratedRegex("^D([0-9]+)$")]
    internal static partial Regex NumberedDimension();
}
