using System.Collections.Immutable;
using System.Globalization;

namespace Tessera.Hardware.Maestro;

/// <summary>MAESTRO's data-centric directives: a temporal or spatial map of one dimension, or a cluster of PEs.</summary>
public enum MaestroDirectiveKind { TemporalMap, SpatialMap, Cluster }

/// <summary>The layer types MAESTRO couples tensors for: CONV, depthwise DSCONV and GEMM.</summary>
public enum MaestroLayerType { Conv, Depthwise, Gemm }

/// <summary>
/// A directive's size or offset: <see cref="Constant"/> plus the size of <see cref="Dimension"/> when set (MAESTRO's
/// <c>Sz(R)</c>; <c>Sz(S)+7</c>). With <see cref="ClipToDimension"/> the value is capped at the size of the
/// directive's own dimension, so a tile never exceeds what it tiles.
/// </summary>
public sealed record MaestroSize(long Constant, string? Dimension = null, bool ClipToDimension = false)
{
    public static MaestroSize Of(long value) => new(value);

    public static MaestroSize SizeOf(string dimension, long plus = 0) => new(plus, dimension);

    /// <summary>The value for a layer whose dimension sizes <paramref name="sizeOf"/> gives.</summary>
    public long Resolve(Func<string, long> sizeOf, string ownDimension)
    {
        long value = Constant + (Dimension is null ? 0 : sizeOf(Dimension));
        return ClipToDimension ? Math.Min(value, sizeOf(ownDimension)) : value;
    }

    public override string ToString()
    {
        var text = Dimension is null ? Constant.ToString(CultureInfo.InvariantCulture)
            : Constant == 0 ? $"Sz({Dimension})" : $"Sz({Dimension})+{Constant.ToString(CultureInfo.InvariantCulture)}";
        return ClipToDimension ? $"min({text}, size)" : text;
    }
}

/// <summary>
/// One MAESTRO directive. Dimensions use MAESTRO's names (N, K, C, R, S, Y, X and the output-centric Y', X'; M, N,
/// K for GEMM); a <see cref="MaestroDirectiveKind.Cluster"/> groups <see cref="Size"/> PEs and has no dimension.
/// <see cref="Line"/> and <see cref="Column"/> locate it in its source file (0 when built in code).
/// </summary>
public sealed record MaestroDirective(MaestroDirectiveKind Kind, string Dimension, MaestroSize Size, MaestroSize Offset,
    int Line = 0, int Column = 0)
{
    public static MaestroDirective Temporal(MaestroSize size, MaestroSize offset, string dimension) =>
        new(MaestroDirectiveKind.TemporalMap, dimension, size, offset);

    public static MaestroDirective Spatial(MaestroSize size, MaestroSize offset, string dimension) =>
        new(MaestroDirectiveKind.SpatialMap, dimension, size, offset);

    public static MaestroDirective ClusterOf(MaestroSize size) => new(MaestroDirectiveKind.Cluster, "", size, MaestroSize.Of(0));

    /// <summary>The directive in MAESTRO's syntax, e.g. <c>TemporalMap(Sz(R),1) Y</c>.</summary>
    public override string ToString() => Kind switch
    {
        MaestroDirectiveKind.Cluster => $"Cluster({Size}, P)",
        MaestroDirectiveKind.SpatialMap => $"SpatialMap({Size},{Offset}) {Dimension}",
        _ => $"TemporalMap({Size},{Offset}) {Dimension}",
    };
}

/// <summary>
/// A fixed MAESTRO dataflow: its directives (outermost first) per layer type, e.g. NVDLA-style <c>kcp_ws</c> with a
/// CONV body and the depthwise body MAESTRO ships beside it. <see cref="Source"/> names the file it came from, if any.
/// </summary>
public sealed record MaestroDataflow(string Name, ImmutableDictionary<MaestroLayerType, ImmutableArray<MaestroDirective>> Directives,
    string? Source = null)
{
    /// <summary>The directives for a layer type: its own, else CONV's (which a GEMM written as a 1×1 convolution uses).</summary>
    public ImmutableArray<MaestroDirective>? For(MaestroLayerType type) =>
        Directives.TryGetValue(type, out var own) ? own : Directives.TryGetValue(MaestroLayerType.Conv, out var conv) ? conv : null;

    /// <summary>Directives per layer type in MAESTRO's syntax, one per line.</summary>
    public override string ToString() => string.Join("\n",
        Directives.OrderBy(d => d.Key).Select(d => $"{d.Key}: {string.Join("; ", d.Value)}"));
}
