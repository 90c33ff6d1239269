using System.Collections.Immutable;
using Tessera.Diagnostics;
using Tessera.Technology;

namespace Tessera.Hardware.Maestro;

/// <summary>
/// MAESTRO's shipped dataflows by name, with their cluster sizes from the technology library (MAESTRO's own values):
/// NVDLA-style <c>kcp_ws</c> (output channels across clusters, input channels across a cluster's PEs, weights stationary),
/// ShiDianNao-style <c>yxp_os</c> (output rows across clusters, output columns across a cluster's PEs, outputs
/// stationary), Eyeriss row-stationary <c>rs</c> and a TPU-like <c>tpu</c> (KC-P with the array's rows as the cluster).
/// Every body starts with <c>TemporalMap(1,1) N</c>: samples one after another, as MAESTRO's batched files map them.
/// </summary>
public static class MaestroDataflows
{
    public const string KcpWs = "kcp_ws";
    public const string YxpOs = "yxp_os";
    public const string RowStationary = "rs";
    public const string Tpu = "tpu";

    private static readonly Dictionary<string, string> Aliases = new(StringComparer.Ordinal)
    {
        [KcpWs] = KcpWs,
        ["nvdla"] = KcpWs,
        ["nvdla-style"] = KcpWs,
        [YxpOs] = YxpOs,
        ["shidiannao"] = YxpOs,
        ["shidiannao-style"] = YxpOs,
        [RowStationary] = RowStationary,
        ["eyeriss"] = RowStationary,
        ["eyeriss-style"] = RowStationary,
        [Tpu] = Tpu,
        ["tpu-style"] = Tpu,
    };

    /// <summary>Names and aliases users may give.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Aliases.Keys];

    /// <summary>True for a built-in name or alias.</summary>
    public static bool IsNamed(string name) => Aliases.ContainsKey(name.Trim().ToLowerInvariant());

    /// <summary>
    /// A named dataflow. <paramref name="cluster"/> overrides its cluster size (kcp_ws: input channels per cluster; yxp_os:
    /// output columns per cluster; tpu: array rows); rs clusters the filter rows, <c>Sz(R)</c>.
    /// </summary>
    public static MaestroDataflow Create(string name, TechnologyLibrary technology, int? cluster = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(technology);
        if (!Aliases.TryGetValue(name.Trim().ToLowerInvariant(), out var canonical))
            throw new TesseraInputException($"unknown MAESTRO dataflow '{name}'{Suggestions.DidYouMean(name, Names)}; expected one of {string.Join(", ", Names)} or a MAESTRO mapping file (.m)");
        if (cluster is <= 0)
            throw new TesseraInputException($"MAESTRO dataflow '{name}' has cluster size {cluster}; expected a positive size");
        int Size(string key) => cluster ?? (int)technology.Value(key);
        return canonical switch
        {
            KcpWs => KcpWsOf(Size("maestro.kcp_ws_cluster")),
            YxpOs => YxpOsOf(Size("maestro.yxp_os_cluster")),
            RowStationary => Rs((int)technology.Value("maestro.rs_k_tile")),
            _ => KcpWsOf(Size("reference.tpu_v1.array_rows")) with { Name = $"{Tpu}({Size("reference.tpu_v1.array_rows")})" },
        };
    }

    /// <summary>
    /// The dataflow the maestro model gives a core without a fixed one: the family of its spatial unrolling with the
    /// core's own arrangement — output columns unrolled → yxp_os with a cluster of that many columns; filter rows →
    /// rs; otherwise kcp_ws with a cluster of the input channels unrolled (the last axis when none is).
    /// </summary>
    public static MaestroDataflow ForUnrolling(SpatialUnrolling unrolling, PeArray array, TechnologyLibrary technology)
    {
        ArgumentNullException.ThrowIfNull(unrolling);
        ArgumentNullException.ThrowIfNull(array);
        var factors = unrolling.Axes.SelectMany(a => a.Factors).ToList();
        int? FactorOf(string dimension) => factors.Where(f => f.Dimension == dimension).Select(f => (int?)f.Factor).FirstOrDefault();
        if (factors.Any(f => f.Dimension == "FY"))
            return Create(RowStationary, technology);
        if (factors.Any(f => f.Dimension is "OX" or "OY"))
            return Create(YxpOs, technology, FactorOf("OX") ?? array.Axes[^1].Size);
        return Create(KcpWs, technology, FactorOf("C") ?? array.Axes[^1].Size);
    }

    private static MaestroSize N(long value) => MaestroSize.Of(value);

    private static MaestroSize Sz(string dimension, long plus = 0) => MaestroSize.SizeOf(dimension, plus);

    private static MaestroDirective T(MaestroSize size, MaestroSize offset, string dimension) => MaestroDirective.Temporal(size, offset, dimension);

    private static MaestroDirective S(MaestroSize size, MaestroSize offset, string dimension) => MaestroDirective.Spatial(size, offset, dimension);

    private static MaestroDirective Samples => T(N(1), N(1), "N");

    private static ImmutableArray<MaestroDirective> WithoutK(IEnumerable<MaestroDirective> body) => [.. body.Where(d => d.Dimension != "K")];

    private static MaestroDataflow Of(string name, ImmutableArray<MaestroDirective> conv, ImmutableArray<MaestroDirective> depthwise) =>
        new(name, ImmutableDictionary<MaestroLayerType, ImmutableArray<MaestroDirective>>.Empty
            .Add(MaestroLayerType.Conv, conv).Add(MaestroLayerType.Depthwise, depthwise));

    /// <summary>MAESTRO's kcp_ws.m; depthwise layers take its dpt.m (channels over every PE), as its MobileNetV2 file does.</summary>
    private static MaestroDataflow KcpWsOf(int cluster) => Of($"{KcpWs}({cluster})",
    [
        Samples, S(N(1), N(1), "K"), T(N(cluster), N(cluster), "C"), T(Sz("R"), Sz("R"), "R"), T(Sz("S"), Sz("S"), "S"),
        T(Sz("R"), N(1), "Y"), T(Sz("S"), N(1), "X"), MaestroDirective.ClusterOf(N(cluster)),
        S(N(1), N(1), "C"), T(Sz("R"), N(1), "Y"), T(Sz("S"), N(1), "X"), T(Sz("R"), Sz("R"), "R"), T(Sz("S"), Sz("S"), "S"),
    ],
    [Samples, S(N(1), N(1), "C"), T(Sz("R"), N(1), "Y"), T(Sz("S"), N(1), "X"), T(Sz("R"), Sz("R"), "R"), T(Sz("S"), Sz("S"), "S")]);

    /// <summary>
    /// MAESTRO's Resnet50_yxp_os.m: the outer column tile is <c>Sz(S)+cluster−1</c> (8/10/14 for S = 1/3/7 at 8
    /// columns), capped at the layer's columns because MAESTRO counts no MACs at all when it exceeds them.
    /// </summary>
    private static MaestroDataflow YxpOsOf(int cluster)
    {
        ImmutableArray<MaestroDirective> conv =
        [
            Samples, T(N(1), N(1), "K"), T(N(1), N(1), "C"), S(Sz("R"), N(1), "Y"),
            T(new MaestroSize(cluster - 1, "S", ClipToDimension: true), N(cluster), "X"), MaestroDirective.ClusterOf(N(cluster)),
            S(Sz("S"), N(1), "X"), T(Sz("R"), Sz("R"), "R"), T(Sz("S"), Sz("S"), "S"),
        ];
        return Of($"{YxpOs}({cluster})", conv, WithoutK(conv));
    }

    /// <summary>MAESTRO's rs.m (Eyeriss): output rows across clusters of Sz(R) PEs, each PE one filter row.</summary>
    private static MaestroDataflow Rs(int kTile)
    {
        ImmutableArray<MaestroDirective> conv =
        [
            Samples, S(N(1), N(1), "Y'"), T(N(1), N(1), "X'"), T(N(1), N(1), "C"), T(N(kTile), N(kTile), "K"),
            T(Sz("R"), Sz("R"), "R"), T(Sz("S"), Sz("S"), "S"), MaestroDirective.ClusterOf(Sz("R")),
            S(N(1), N(1), "Y"), S(N(1), N(1), "R"), T(Sz("S"), Sz("S"), "S"),
        ];
        return Of(RowStationary, conv, WithoutK(conv));
    }
}
