using System.Collections.Immutable;

namespace Tessera.Hardware.Maestro;

/// <summary>
/// A MAESTRO dataflow read as the loop-nest model's fixed dataflow, as far as it translates (its CONV directives):
/// each cluster level's first spatial map unrolls one array axis, outermost level first; the loops a PE runs on its own
/// (temporal maps of the innermost cluster level that take a whole dimension, e.g. <c>TemporalMap(Sz(R),Sz(R)) R</c>)
/// stay in the core's innermost memory level; the dimensions the top level steps through keep MAESTRO's order
/// (outermost first) in the outermost on-chip level, their tile sizes searched (MAESTRO's L2 is unbounded, a core's is
/// not), and off-chip for what does not fit. MAESTRO's N, K, C, R, S, Y (Y'), X (X') are Tessera's B, K, C, FY, FX, OY, OX.
/// </summary>
public static class MaestroLoopNest
{
    private static readonly Dictionary<string, string> Names = new(StringComparer.Ordinal)
    {
        ["N"] = "B",
        ["K"] = "K",
        ["C"] = "C",
        ["R"] = "FY",
        ["S"] = "FX",
        ["Y"] = "OY",
        ["X"] = "OX",
        ["Y'"] = "OY",
        ["X'"] = "OX",
    };

    /// <summary>Tessera's name of a MAESTRO dimension, or null for one without a convolution counterpart.</summary>
    public static string? TesseraName(string maestroDimension) => Names.GetValueOrDefault(maestroDimension);

    private static List<List<MaestroDirective>> Levels(MaestroDataflow dataflow)
    {
        var levels = new List<List<MaestroDirective>> { new() };
        foreach (var d in dataflow.For(MaestroLayerType.Conv) ?? [])
        {
            if (d.Kind == MaestroDirectiveKind.Cluster) levels.Add([]);
            else levels[^1].Add(d);
        }
        return levels;
    }

    /// <summary>
    /// The spatial unrolling: one array axis per cluster level, unrolling that level's first spatial map of a dimension not
    /// yet unrolled by the size of the axis (an axis over output rows OY unrolls a matrix product's rows D). Null when the
    /// levels do not match the array's axes one to one.
    /// </summary>
    public static SpatialUnrolling? Unrolling(MaestroDataflow dataflow, IReadOnlyList<ArrayAxis> axes)
    {
        ArgumentNullException.ThrowIfNull(dataflow);
        ArgumentNullException.ThrowIfNull(axes);
        var levels = Levels(dataflow);
        if (levels.Count != axes.Count) return null;
        var used = new HashSet<string>(StringComparer.Ordinal);
        var result = ImmutableArray.CreateBuilder<AxisUnrolling>();
        for (int i = 0; i < levels.Count; i++)
        {
            var dim = levels[i].Where(d => d.Kind == MaestroDirectiveKind.SpatialMap).Select(d => TesseraName(d.Dimension))
                .FirstOrDefault(n => n is not null && !used.Contains(n));
            if (dim is null) return null;
            used.Add(dim);
            // MAESTRO reads a matrix product as a 1×1 convolution whose output rows are its rows: an axis over output
            // rows takes a matrix product's rows D.
            result.Add(new AxisUnrolling(axes[i].Name, [(dim, axes[i].Size)], dim == "OY" ? [("D", axes[i].Size)] : default));
        }
        return new SpatialUnrolling(dataflow.Name, result.ToImmutable());
    }

    /// <summary>The pinned temporal mapping for a core whose memory levels are <paramref name="levels"/> (innermost first).</summary>
    public static PinnedMapping? Temporal(MaestroDataflow dataflow, IReadOnlyList<string> levels)
    {
        ArgumentNullException.ThrowIfNull(dataflow);
        ArgumentNullException.ThrowIfNull(levels);
        var clusters = Levels(dataflow);
        if (levels.Count == 0 || clusters[0].Count == 0) return null;
        bool Whole(MaestroDirective d) => d.Kind == MaestroDirectiveKind.TemporalMap && d.Size.Dimension == d.Dimension
            && d.Size.Constant == 0 && d.Offset == d.Size;
        var inner = clusters[^1].Where(Whole).Select(d => TesseraName(d.Dimension)).OfType<string>().Distinct().ToList();
        var stepped = clusters[0].Where(d => !Whole(d)).Select(d => TesseraName(d.Dimension)).OfType<string>()
            .Where(n => !inner.Contains(n)).Distinct().ToList();
        var innerLoops = inner.Select(n => new PinnedLoop(n, PinnedFactor.All));
        var outerLoops = stepped.Select(n => new PinnedLoop(n, PinnedFactor.Searched));
        var entries = levels.Count == 1
            ? [new PinnedLevel(levels[0], [.. outerLoops, .. innerLoops])]
            : new List<PinnedLevel> { new(levels[0], [.. innerLoops]), new(levels[^1], [.. outerLoops]) };
        entries.Add(new PinnedLevel(PinnedLevel.OffChip, [.. stepped.Select(n => new PinnedLoop(n, PinnedFactor.All))]));
        return new PinnedMapping([.. entries]);
    }
}
