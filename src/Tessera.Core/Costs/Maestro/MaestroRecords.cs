using System.Collections.Immutable;
using Tessera.Hardware.Maestro;

namespace Tessera.Costs.Maestro;

/// <summary>
/// Which arithmetic the MAESTRO engine follows. <see cref="Upstream"/> reproduces MAESTRO (commit 4eb08d17) exactly,
/// defects included; <see cref="Corrected"/> fixes the ones that miscount work (docs/validation.md, MAESTRO section):
/// stride inside a tile (output counts of strided layers, mixed coordinates when the window is smaller than the
/// stride, output reads that ignore the stride), a tile wider than its dimension counting nothing, one edge case that
/// reads an input size where it means an output size, and an off-chip bound that charges every step the first step's
/// whole buffer (the corrected one charges what L2 actually exchanges with off-chip memory).
/// </summary>
public enum MaestroArithmetic { Corrected, Upstream }

/// <summary>
/// A layer as MAESTRO sees it: a type, named dimensions (<c>Y</c>/<c>X</c> are input rows/columns; the engine derives
/// the outputs <c>Y'</c>/<c>X'</c>), the strides of Y and X, and whether its tensors carry the batch dimension N.
/// </summary>
public sealed record MaestroLayer(string Name, MaestroLayerType Type, ImmutableArray<(string Name, long Size)> Dimensions,
    ImmutableDictionary<string, long> Strides, bool Batched)
{
    public long SizeOf(string dimension) => Dimensions.FirstOrDefault(d => d.Name == dimension).Size;

    /// <summary>MAESTRO's tensors: input, weight, output, each with the dimensions it is coupled to.</summary>
    public ImmutableArray<ImmutableArray<string>> TensorDimensions
    {
        get
        {
            ImmutableArray<string> n = Batched ? ["N"] : [];
            return Type switch
            {
                MaestroLayerType.Depthwise => [[.. n, "C", "Y", "X"], ["C", "R", "S"], [.. n, "C", "Y", "X"]],
                MaestroLayerType.Gemm => [["M", "K"], ["K", "N"], ["M", "N"]],
                _ => [[.. n, "C", "Y", "X"], ["K", "C", "R", "S"], [.. n, "K", "Y", "X"]],
            };
        }
    }
}

/// <summary>
/// The accelerator MAESTRO costs on: PEs, the NoC between every cluster level (elements per cycle and a latency in
/// cycles), the off-chip bandwidth (elements per cycle) and MAC lanes per PE. Double buffering is always on, as in MAESTRO.
/// </summary>
public sealed record MaestroHardware(int ProcessingElements, double NocBandwidth, double NocLatencyCycles, double OffChipBandwidth,
    int SimdLanes = 1);

/// <summary>Accesses of one tensor at the top level's buffer (L2) and the level below (L1), in elements.</summary>
public readonly record struct MaestroTensorAccesses(long L2Reads, long L2Writes, long L1Reads, long L1Writes)
{
    public long L2 => L2Reads + L2Writes;
    public long L1 => L1Reads + L1Writes;
}

/// <summary>
/// What MAESTRO reports for one layer: runtime, MACs as counted, per-tensor accesses, average PEs in use, the top level's
/// compute time alone, and which term bounded its iterations (cycles spent where compute, the NoC or the off-chip
/// bandwidth was slowest).
/// </summary>
public sealed record MaestroResult(long Cycles, long Macs, MaestroTensorAccesses Input, MaestroTensorAccesses Weight,
    MaestroTensorAccesses Output, double AveragePesInUse, long ComputeCycles, long ComputeBoundCycles, long NocBoundCycles,
    long OffChipBoundCycles)
{
    public long L2Accesses => Input.L2 + Weight.L2 + Output.L2;
    public long L1Accesses => Input.L1 + Weight.L1 + Output.L1;

    /// <summary>MAESTRO's energy in units of one MAC: MACs + ratio × accesses per buffer level.</summary>
    public double EnergyMacUnits(double l1Ratio, double l2Ratio) => Macs + l2Ratio * L2Accesses + l1Ratio * L1Accesses;
}
