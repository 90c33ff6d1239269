using System.Collections.Immutable;
using Tessera.Diagnostics;
using Tessera.Technology;
using Tessera.Workloads;

namespace Tessera.Hardware;

/// <summary>
/// Named dataflows as spatial unrollings over a PE array's axes (first axis = D1):
/// weight-stationary D1: K, D2: C (NVDLA/TPU); output-stationary D1: OX, D2: OY (ShiDianNao);
/// row-stationary D1: FY × C, D2: OY (Eyeriss: filter rows down a column, output rows across);
/// input-stationary D1: C, D2: OX (each PE keeps an input pixel of a channel while weights stream past);
/// systolic D1: C, D2: K (TPU: reduction down the rows, one output channel per column, weights preloaded).
/// Axes beyond those listed unroll OX, then OY; an axis of size 1 unrolls nothing. On a GEMM an axis over OX unrolls
/// its rows D and one over OY its output columns K instead.
/// </summary>
public static class Dataflows
{
    public const string WeightStationary = "weight-stationary";
    public const string OutputStationary = "output-stationary";
    public const string RowStationary = "row-stationary";
    public const string InputStationary = "input-stationary";
    public const string Systolic = "systolic";

    /// <summary>Known names with their short aliases.</summary>
    public static IReadOnlyList<string> Names { get; } =
        [WeightStationary, OutputStationary, RowStationary, InputStationary, Systolic, "ws", "os", "rs", "is"];

    /// <summary>
    /// What an axis over output positions unrolls on a GEMM, which has no OX or OY: its output rows D and output columns
    /// K, so an output-stationary array keeps a D × K tile of outputs as MAESTRO-style OS accelerators do on matmuls.
    /// </summary>
    private static readonly Dictionary<string, string> GemmEquivalents = new(StringComparer.Ordinal) { ["OX"] = "D", ["OY"] = "K" };

    /// <summary>Builds the unrolling of a named dataflow for the given array axes.</summary>
    public static SpatialUnrolling Create(string name, IReadOnlyList<ArrayAxis> axes, TechnologyLibrary technology)
    {
        var canonical = name.Trim().ToLowerInvariant() switch
        {
            "ws" or WeightStationary => WeightStationary,
            "os" or OutputStationary => OutputStationary,
            "rs" or RowStationary => RowStationary,
            "is" or InputStationary => InputStationary,
            Systolic => Systolic,
            _ => throw new TesseraInputException($"unknown dataflow '{name}'; expected one of {string.Join(", ", Names)} or an explicit unrolling"),
        };
        string[] order = canonical switch
        {
            WeightStationary => ["K", "C", "OX", "OY"],
            OutputStationary => ["OX", "OY", "K", "C"],
            InputStationary => ["C", "OX", "OY", "K"],
            Systolic => ["C", "K", "OX", "OY"],
            _ => ["FY", "OY", "OX", "K"],
        };
        var result = ImmutableArray.CreateBuilder<AxisUnrolling>();
        for (var i = 0; i < axes.Count; i++)
        {
            var axis = axes[i];
            if (canonical == RowStationary && i == 0)
            {
                // Eyeriss: FY filter rows per PE set, the sets replicated over input channels.
                var rows = (int)technology.Value("reference.eyeriss.rs_filter_rows");
                result.Add(axis.Size % rows == 0 && axis.Size > rows
                    ? new AxisUnrolling(axis.Name, [("FY", rows), ("C", axis.Size / rows)])
                    : new AxisUnrolling(axis.Name, [("FY", axis.Size)]));
                continue;
            }
            var dimension = order[Math.Min(i, order.Length - 1)];
            result.Add(axis.Size <= 1 ? new AxisUnrolling(axis.Name, [])
                : GemmEquivalents.TryGetValue(dimension, out var gemm)
                    ? new AxisUnrolling(axis.Name, [(dimension, axis.Size)], [(gemm, axis.Size)])
                    : new AxisUnrolling(axis.Name, [(dimension, axis.Size)]));
        }
        return new SpatialUnrolling(canonical, result.ToImmutable());
    }

    /// <summary>
    /// An unrolling consistent with a ZigZag core's memories, as ZigZag's spatial-mapping generator requires: an axis
    /// that an operand's innermost level serves (one instance shared along it) but that level cannot hold one value per
    /// PE of the axis must unroll a dimension irrelevant to that operand (K for inputs, OX/OY/D for weights, C for
    /// outputs). Values are <paramref name="bits"/> wide, outputs twice that: they are stored as partial sums, and a
    /// product of two b-bit operands has 2b bits (the loop nests' partial-sum rule). Each axis leaves the dimension to
    /// the loop nest among those allowed (<see cref="AxisUnrolling.Choices"/>: the one filling the axis most, in
    /// Stream's default order K, C, OX, OY, then a GEMM's rows D, unused ones first).
    /// </summary>
    public static SpatialUnrolling FromServedAxes(IReadOnlyList<ArrayAxis> axes, IReadOnlyList<MemoryLevel> memories, int bits)
    {
        string[] order = ["K", "C", "OX", "OY", "D"];
        var irrelevant = new Dictionary<OperandRole, string[]>
        {
            [OperandRole.Input] = ["K"],
            [OperandRole.Weight] = ["OX", "OY", "D"],
            [OperandRole.Output] = ["C"],
        };
        var used = new HashSet<string>(StringComparer.Ordinal);
        var result = ImmutableArray.CreateBuilder<AxisUnrolling>();
        foreach (var axis in axes)
        {
            var allowed = order.AsEnumerable();
            foreach (var role in Enum.GetValues<OperandRole>())
                if (memories.FirstOrDefault(m => m.Holds.Contains(role)) is { } inner && inner.ServedArrayAxes.Contains(axis.Name)
                    && inner.CapacityBits < (long)axis.Size * (role == OperandRole.Output ? bits + bits : bits))
                    allowed = allowed.Intersect(irrelevant[role]);
            var choices = allowed.OrderBy(used.Contains).ToList();
            if (choices.Count == 0 || axis.Size <= 1)
            {
                result.Add(new AxisUnrolling(axis.Name, []));
                continue;
            }
            used.Add(choices[0]);
            result.Add(new AxisUnrolling(axis.Name, [(choices[0], axis.Size)], Choices: [.. choices]));
        }
        return new SpatialUnrolling("from-served-axes", result.ToImmutable());
    }
}
