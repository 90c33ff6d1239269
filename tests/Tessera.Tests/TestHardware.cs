using Tessera.Hardware;
using Tessera.Workloads;

namespace Tessera.Tests;

/// <summary>Small hand-built cores and packages whose numbers make hand computation easy.</summary>
internal static class TestHardware
{
    public static Core Core(int rows = 4, int cols = 4, double macPj = 1, double frequencyHz = 1e9, double bufferBitsPerCycle = 1e9) => new(
        "core",
        new PeArray([new ArrayAxis("D1", rows), new ArrayAxis("D2", cols)], macPj, 8),
        new SpatialUnrolling("ws", [new AxisUnrolling("D1", [("K", rows)]), new AxisUnrolling("D2", [("C", cols)])]),
        frequencyHz,
        [new MemoryLevel("buffer", 8L << 20, bufferBitsPerCycle, bufferBitsPerCycle, 0.5, 0.5,
            [OperandRole.Input, OperandRole.Weight, OperandRole.Output], ["D1", "D2"])]);

    /// <summary>An off-chip level of the given bandwidth (bits per cycle) and energy.</summary>
    public static MemoryLevel OffChip(double bitsPerCycle, double pjPerBit = 0) => new(
        "dram", long.MaxValue, bitsPerCycle, bitsPerCycle, pjPerBit, pjPerBit,
        [OperandRole.Input, OperandRole.Weight, OperandRole.Output], [], SharedReadWritePort: true);

    /// <summary>Chiplets in a row, joined in a chain, with one DRAM device beside the first.</summary>
    public static Package Row(int chiplets, double dramBytesPerSecond = 1e12, double dramPjPerBit = 10, double linkPjPerBit = 1,
        double dramLatencySeconds = 0, double linkLatencySeconds = 0)
    {
        var design = new Chiplet("c", [Core()], "28nm");
        var instances = Enumerable.Range(0, chiplets).Select(i => new ChipletInstance($"c{i}", design, i, 0)).ToList();
        var links = Enumerable.Range(1, chiplets - 1).Select(i => new Link($"c{i - 1}", $"c{i}", 1e12, linkPjPerBit, linkLatencySeconds)).ToList();
        links.Add(new Link("dram", "c0", 1e12, linkPjPerBit, linkLatencySeconds));
        return new Package("row", instances, [new MemoryDevice("dram", "test", dramBytesPerSecond, dramPjPerBit, dramLatencySeconds, 1L << 32)], links);
    }

    /// <summary>A chain of matrix products x·W1·W2…, each m×k·k×n.</summary>
    public static ModelGraph MatMulChain(string name, int layers, long m = 64, long k = 64)
    {
        var b = new GraphBuilder(name);
        var x = b.Input("x", m, k);
        for (int i = 0; i < layers; i++) x = b.Linear(x, k, bias: false);
        return b.Build();
    }

    /// <summary>A chain of weight-free elementwise operators over x[batch, features], each with the given operations per element.</summary>
    public static ModelGraph VectorChain(string name, int layers, long batch, long features, double opsPerElement = 16)
    {
        var b = new GraphBuilder(name);
        var x = b.Input("x", batch, features);
        for (int i = 0; i < layers; i++) x = b.Vector(VectorKind.Activation, "Relu", opsPerElement, $"act{i}", x);
        return b.Build();
    }
}
