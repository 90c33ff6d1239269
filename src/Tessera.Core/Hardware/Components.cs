using System.Collections.Immutable;
using Tessera.Workloads;

namespace Tessera.Hardware;

/// <summary>The small interface every node of the hardware tree shares.</summary>
public interface IHardwareComponent
{
    string Name { get; }
    IEnumerable<IHardwareComponent> Children { get; }

    /// <summary>Silicon area of this node alone, in mm² (children add their own).</summary>
    double AreaMm2 { get; }

    /// <summary>Leakage of this node alone, in W.</summary>
    double StaticPowerW { get; }
}

/// <summary>
/// The four ways data crosses a memory level's boundary, seen from the level (ZigZag's fh, tl, fl, th): written in
/// from the level above, read out to the level below, written in from below (outputs, partial sums), read out to above.
/// </summary>
public enum PortDirection { FromHigh, ToLow, FromLow, ToHigh }

/// <summary>
/// One physical port of a memory level: its word width (<see cref="BitsPerCycle"/>), the smallest access
/// (<see cref="MinBitsPerCycle"/>: a transfer is rounded up to it; 0 when transfers are not rounded), the energy per bit of a read or write word through
/// it, and the operand movements it carries. Movements that share a port share its cycles.
/// </summary>
public sealed record MemoryPort(string Name, double BitsPerCycle, double MinBitsPerCycle, double ReadEnergyPerBitPj,
    double WriteEnergyPerBitPj, ImmutableArray<(OperandRole Operand, PortDirection Direction)> Serves);

/// <summary>
/// One level of a core's memory hierarchy. Energies are per bit; bandwidths in bits per cycle.
/// <see cref="Holds"/> lists the operands this level stores. With <see cref="SharedReadWritePort"/> reads and
/// writes share one port (a DRAM bus, a single-ported SRAM) and <see cref="ReadBitsPerCycle"/> is its bandwidth.
/// <see cref="Ports"/>, when given (ZigZag's port allocation), say which port carries each operand movement;
/// otherwise <see cref="EffectivePorts"/> derives one read and one write port (or one shared port).
/// </summary>
public sealed record MemoryLevel(
    string Name,
    long CapacityBits,
    double ReadBitsPerCycle,
    double WriteBitsPerCycle,
    double ReadEnergyPerBitPj,
    double WriteEnergyPerBitPj,
    ImmutableArray<OperandRole> Holds,
    ImmutableArray<string> ServedArrayAxes,
    double AreaMm2 = 0,
    double StaticPowerW = 0,
    bool SharedReadWritePort = false,
    ImmutableArray<MemoryPort> Ports = default) : IHardwareComponent
{
    public IEnumerable<IHardwareComponent> Children => [];

    /// <summary>The given ports, or a read port (to low, to high) and a write port (from high, from low), one port when shared.</summary>
    public ImmutableArray<MemoryPort> EffectivePorts()
    {
        if (!Ports.IsDefaultOrEmpty) return Ports;
        ImmutableArray<(OperandRole, PortDirection)> Moves(params PortDirection[] directions) =>
            [.. Holds.SelectMany(o => directions.Select(d => (o, d)))];
        if (SharedReadWritePort)
            return [new MemoryPort("rw", ReadBitsPerCycle, 0, ReadEnergyPerBitPj, WriteEnergyPerBitPj,
                Moves(PortDirection.FromHigh, PortDirection.ToLow, PortDirection.FromLow, PortDirection.ToHigh))];
        return [new MemoryPort("r", ReadBitsPerCycle, 0, ReadEnergyPerBitPj, WriteEnergyPerBitPj, Moves(PortDirection.ToLow, PortDirection.ToHigh)),
            new MemoryPort("w", WriteBitsPerCycle, 0, ReadEnergyPerBitPj, WriteEnergyPerBitPj, Moves(PortDirection.FromHigh, PortDirection.FromLow))];
    }

    /// <summary>Cycles this level needs to read and write the given bits through its ports.</summary>
    public double TransferCycles(double readBits, double writeBits) => SharedReadWritePort
        ? (readBits + writeBits) / ReadBitsPerCycle
        : Math.Max(readBits / ReadBitsPerCycle, writeBits / WriteBitsPerCycle);
}

/// <summary>One axis of a PE array with its size, e.g. D1 = 32.</summary>
public sealed record ArrayAxis(string Name, int Size);

/// <summary>
/// Loop dimensions unrolled on one array axis, e.g. D1: K 32 (several for mixed unrollings). <see cref="Alternates"/>,
/// when set, unroll instead on a loop nest that has none of <see cref="Factors"/>' dimensions (an output-stationary
/// axis over output columns OX takes a GEMM's output rows D). <see cref="Choices"/>, when set, leaves the dimension to
/// each loop nest: the one of them that fills the axis most (<see cref="SpatialUnrolling.For"/>; <see cref="Factors"/>
/// then shows the first choice).
/// </summary>
public sealed record AxisUnrolling(string Axis, ImmutableArray<(string Dimension, int Factor)> Factors,
    ImmutableArray<(string Dimension, int Factor)> Alternates = default, ImmutableArray<string> Choices = default)
{
    /// <summary>The factors that apply to a loop nest with the given dimensions (choices aside).</summary>
    public ImmutableArray<(string Dimension, int Factor)> For(LoopNest nest) =>
        Alternates.IsDefaultOrEmpty || Factors.Any(f => nest.Dimensions.Any(d => d.Name == f.Dimension)) ? Factors : Alternates;
}

/// <summary>
/// A dataflow: which loop dimensions unroll on which array axis, and how far. <see cref="TemporalOrdering"/>, when a
/// mapping file pins it, fixes the temporal loops innermost first (factor 0: all that remains of the dimension).
/// </summary>
public sealed record SpatialUnrolling(string Name, ImmutableArray<AxisUnrolling> Axes)
{
    public ImmutableArray<(string Dimension, long Factor)> TemporalOrdering { get; init; } = [];

    /// <summary>Unrolling factor of a loop dimension across all array axes (1 when not unrolled).</summary>
    public int FactorOf(string dimension) =>
        Axes.SelectMany(a => a.Factors).Where(f => f.Dimension == dimension).Aggregate(1, (p, f) => p * f.Factor);

    /// <summary>Unrolling factor of a loop dimension on a given loop nest, alternates and choices applied.</summary>
    public int FactorOf(string dimension, LoopNest nest) =>
        For(nest).SelectMany(a => a.Factors).Where(f => f.Dimension == dimension).Aggregate(1, (p, f) => p * f.Factor);

    /// <summary>
    /// Each axis's factors on a loop nest, axes in order: alternates applied, and an axis with choices takes the choice
    /// that unrolls the most of what the axes before it left of its dimension (the first on ties; choices the nest lacks
    /// are skipped), as ZigZag's spatial-mapping generator ranks unrollings by the PEs they use.
    /// </summary>
    public ImmutableArray<AxisUnrolling> For(LoopNest nest)
    {
        var left = nest.Dimensions.ToDictionary(d => d.Name, d => d.Size, StringComparer.Ordinal);
        var result = ImmutableArray.CreateBuilder<AxisUnrolling>(Axes.Length);
        foreach (var axis in Axes)
        {
            var factors = axis.For(nest);
            if (!axis.Choices.IsDefaultOrEmpty && factors.Length == 1)
            {
                int size = factors[0].Factor;
                string? best = null;
                long filled = 0;
                foreach (var choice in axis.Choices)
                {
                    if (!left.TryGetValue(choice, out var remaining) || Math.Min(size, remaining) <= filled) continue;
                    (best, filled) = (choice, Math.Min(size, remaining));
                }
                if (best is not null) factors = [(best, size)];
            }
            foreach (var (dimension, factor) in factors)
                if (left.TryGetValue(dimension, out var remaining))
                    left[dimension] = (remaining + Math.Min(factor, remaining) - 1) / Math.Min(factor, remaining);
            result.Add(axis with { Factors = factors, Alternates = default, Choices = default });
        }
        return result.ToImmutable();
    }
}

/// <summary>The MAC array of a core; an in-memory-compute array also carries its <see cref="Imc"/> macro, which then costs the arithmetic.</summary>
public sealed record PeArray(ImmutableArray<ArrayAxis> Axes, double MacEnergyPj, int MacBits, double AreaMm2 = 0, double StaticPowerW = 0)
    : IHardwareComponent
{
    public ImcMacro? Imc { get; init; }

    public string Name => "pe-array";
    public long ProcessingElements => Axes.Aggregate(1L, (p, a) => p * a.Size);
    public IEnumerable<IHardwareComponent> Children => [];
}

/// <summary>A core's vector unit for non-MAC operators.</summary>
public sealed record VectorUnit(int Lanes, double EnergyPerOpPj, double AreaMm2 = 0, double StaticPowerW = 0) : IHardwareComponent
{
    public string Name => "vector-unit";
    public IEnumerable<IHardwareComponent> Children => [];
}

/// <summary>
/// A compute core: PE array with its dataflow, a clock, and a memory hierarchy ordered innermost first
/// (the last level is the core's outermost on-chip memory). A fixed-function core also carries its
/// <see cref="Fixed"/> dataflow, which cost models then cost instead of searching a mapping.
/// </summary>
public sealed record Core(
    string Name,
    PeArray Array,
    SpatialUnrolling Dataflow,
    double FrequencyHz,
    ImmutableArray<MemoryLevel> Memories,
    VectorUnit? Vector = null) : IHardwareComponent
{
    public FixedDataflow? Fixed { get; init; }

    public double AreaMm2 => 0;
    public double StaticPowerW => 0;
    public IEnumerable<IHardwareComponent> Children =>
        Vector is null ? [Array, .. Memories] : [Array, Vector, .. Memories];

    public long PeakMacsPerCycle => Array.ProcessingElements;

    /// <summary>Index of the outermost level holding an operand — where its data from outside the core lands; -1 when none does.</summary>
    public int OutermostLevelOf(OperandRole role)
    {
        for (int i = Memories.Length - 1; i >= 0; i--)
            if (Memories[i].Holds.Contains(role)) return i;
        return -1;
    }
}

/// <summary>A chiplet design: cores on one die in a technology node.</summary>
public sealed record Chiplet(string Name, ImmutableArray<Core> Cores, string TechnologyNode, double AreaMm2 = 0, double StaticPowerW = 0)
    : IHardwareComponent
{
    public IEnumerable<IHardwareComponent> Children => Cores;
}

/// <summary>A placed instance of a chiplet design in a package, with a grid position for routing.</summary>
public sealed record ChipletInstance(string Id, Chiplet Design, int X, int Y) : IHardwareComponent
{
    public string Name => Id;
    public double AreaMm2 => 0;
    public double StaticPowerW => 0;
    public IEnumerable<IHardwareComponent> Children => [Design];
}

/// <summary>An off-chip memory device (DRAM channel, HBM stack). Bandwidth in bytes/s.</summary>
public sealed record MemoryDevice(
    string Id, string Type, double BandwidthBytesPerSecond, double EnergyPerBitPj, double LatencySeconds,
    long CapacityBytes, double AreaMm2 = 0, double StaticPowerW = 0) : IHardwareComponent
{
    public string Name => Id;
    public IEnumerable<IHardwareComponent> Children => [];
}

/// <summary>A bidirectional link between two endpoints (chiplet instances or memory devices) of a package.</summary>
public sealed record Link(string From, string To, double BandwidthBytesPerSecond, double EnergyPerBitPj, double LatencySeconds);
