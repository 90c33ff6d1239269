using BenchmarkDotNet.Attributes;
using Tessera.Costs.Maestro;
using Tessera.Hardware.Maestro;
using Tessera.Technology;

namespace Tessera.Benchmarks;

/// <summary>
/// The MAESTRO-compatible model: one layer (ResNet-50's layer3 3×3 convolution, 256→256 channels on 14×14) analysed from
/// scratch under the NVDLA-style and ShiDianNao-style dataflows on a 4096-PE SCAR chiplet, the cost of every call the
/// maestro cost model does not find in its memo.
/// </summary>
[MemoryDiagnoser]
public class MaestroBenchmarks
{
    private MaestroLayer _layer = null!;
    private MaestroHardware _hardware = null!;
    private MaestroDataflow _kcp = null!, _yxp = null!;

    [GlobalSetup]
    public void Setup()
    {
        var technology = TechnologyLibrary.LoadDefault();
        _layer = new MaestroLayer("layer3.conv2", MaestroLayerType.Conv,
            [("N", 1), ("K", 256), ("C", 256), ("R", 3), ("S", 3), ("Y", 16), ("X", 16)], [], Batched: true);
        _hardware = new MaestroHardware(4096, 128, 0, 70000);
        _kcp = MaestroDataflows.Create(MaestroDataflows.KcpWs, technology);
        _yxp = MaestroDataflows.Create(MaestroDataflows.YxpOs, technology);
    }

    [Benchmark]
    public long OneLayerKcpWs() => Run(_kcp);

    [Benchmark]
    public long OneLayerYxpOs() => Run(_yxp);

    private long Run(MaestroDataflow dataflow) =>
        MaestroAnalysis.Run(_layer, dataflow.For(MaestroLayerType.Conv)!, _hardware, MaestroArithmetic.Corrected, "bench", strict: false).Cycles;
}
