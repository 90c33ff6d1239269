using Tessera.Costs;
using Tessera.Costs.Maestro;
using Tessera.Diagnostics;
using Tessera.Hardware;
using Tessera.Interop;
using Tessera.Technology;

namespace Tessera.Tests.Hardware;

/// <summary>Fixed-function cores in Tessera's hardware YAML: fixed_dataflow (MAESTRO) and fixed_mapping (pinned loops).</summary>
public sealed class FixedDataflowYamlTests : IDisposable
{
    private static readonly TechnologyLibrary Tech = TechnologyLibrary.LoadDefault();
    private readonly string _dir = Directory.CreateTempSubdirectory("tessera-fixed-").FullName;

    private const string Package = """
        chiplets:
          nvdla:
            cores:
              - name: ws
                array: {D1: 64, D2: 64}
                fixed_dataflow: nvdla-style
                frequency: 500 MHz
                memories:
                  - {name: pe-buffer, size: 64 B, bandwidth: 8, holds: [weight], served_axes: []}
                  - {name: l2, size: 10 MiB, bandwidth: 1024, holds: [input, weight, output]}
          shi: {preset: scar-os, fixed_dataflow: {maestro: yxp_os, cluster: 8}}
        grid: {layout: [[nvdla, shi]]}
        memories:
          - {id: dram, type: SCAR-28nm, attach: sides}
        """;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Package Load(string text)
    {
        var path = Path.Combine(_dir, "hw.yaml");
        File.WriteAllText(path, text);
        return HardwareLoader.Load(path, Tech);
    }

    private void Fails(string text, params string[] expected)
    {
        var e = Assert.Throws<TesseraInputException>(() => Load(text));
        Assert.StartsWith("hw.yaml:", e.Message, StringComparison.Ordinal);
        foreach (var x in expected) Assert.Contains(x, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_named_fixed_dataflow_sets_the_unrolling_the_maestro_directives_and_the_pinned_loops()
    {
        var p = Load(Package);
        var ws = p.Chiplet("c0_0").Design.Cores[0];
        Assert.Equal("kcp_ws(64)", ws.Fixed!.Name);
        Assert.Equal(64, ws.Dataflow.FactorOf("K"));
        Assert.Equal(64, ws.Dataflow.FactorOf("C"));
        Assert.Equal("pe-buffer[FY:all FX:all] l2[B:search K:search C:search OY:search OX:search] offchip[B:all K:all C:all OY:all OX:all]",
            ws.Fixed.Temporal!.ToString());
        Assert.Equal("kcp_ws(64)", new MaestroCostModel().DataflowOf(ws).Name);
        // A preset keeps its own unrolling; the cluster size is the one given.
        var os = p.Chiplet("c1_0").Design.Cores[0];
        Assert.Equal("yxp_os(8)", os.Fixed!.Name);
        Assert.Equal(64, os.Dataflow.FactorOf("OX"));
    }

    [Fact]
    public void A_mapping_file_is_a_fixed_dataflow_and_fixed_mapping_pins_the_loop_nest()
    {
        File.WriteAllText(Path.Combine(_dir, "ws.m"), """
            Dataflow {
              SpatialMap(1,1) K; TemporalMap(16,16) C; TemporalMap(Sz(R),Sz(R)) R; TemporalMap(Sz(S),Sz(S)) S;
              TemporalMap(Sz(R),1) Y; TemporalMap(Sz(S),1) X; Cluster(16, P); SpatialMap(1,1) C;
            }
            """);
        var text = Package.Replace("fixed_dataflow: nvdla-style", "fixed_dataflow: ws.m\n        fixed_mapping:\n" +
            "          - {level: pe-buffer, loops: [[FY, all], [FX, all]]}\n          - {level: l2, loops: [[K, search], [C, 2], OY, OX]}",
            StringComparison.Ordinal);
        var core = Load(text).Chiplet("c0_0").Design.Cores[0];
        Assert.Equal(Path.Combine(_dir, "ws.m"), core.Fixed!.Directives!.Source);
        Assert.Equal("pe-buffer[FY:all FX:all] l2[K:search C:2 OY:all OX:all]", core.Fixed.Temporal!.ToString());
        var dram = CostModelExtensions.OffChipLevel(new MemoryDevice("d", "x", 64e9, 10, 0, 1L << 34), 64e9, 10, core.FrequencyHz);
        var conv = Workloads.LoopNests.Convolution("I", "W", "O", 1, 1, 128, 128, 14, 14, 3, 3);
        Assert.True(new MaestroCostModel().Evaluate(conv, core, dram).Cycles > 0);
        var details = new LoopNestCostModel().Evaluate(conv, core, dram).Details!;
        Assert.Equal(2, details.MappingsEvaluated); // K: 128 / 64 = 2 iterations, divisors 2 and 1
    }

    [Fact]
    public void Bad_fixed_dataflows_and_mappings_name_the_place_and_the_expected()
    {
        Fails(Package.Replace("nvdla-style", "nvdla-styel", StringComparison.Ordinal), "did you mean 'nvdla-style'");
        Fails(Package.Replace("cluster: 8", "clusters: 8", StringComparison.Ordinal), "did you mean 'cluster'");
        Fails(Package.Replace("fixed_dataflow: nvdla-style", "fixed_dataflow: missing.m", StringComparison.Ordinal), "missing.m");
        Fails(Package.Replace("fixed_dataflow: nvdla-style", "fixed_dataflow: nvdla-style\n        fixed_mapping: [{level: l3, loops: [K]}]",
            StringComparison.Ordinal), "no memory level 'l3'");
        Fails(Package.Replace("fixed_dataflow: nvdla-style",
            "fixed_dataflow: nvdla-style\n        fixed_mapping: [{level: l2, loops: [K]}, {level: pe-buffer, loops: [FY]}]",
            StringComparison.Ordinal), "innermost level first");
        Fails(Package.Replace("fixed_dataflow: nvdla-style", "fixed_dataflow: nvdla-style\n        fixed_mapping: [{level: l2, loops: [[K, some]]}]",
            StringComparison.Ordinal), "pinned factor");
        Fails(Package.Replace("fixed_dataflow: nvdla-style", "fixed_dataflow: nvdla-style\n        fixed_mapping: [{level: l2, loops: [OXX]}]",
            StringComparison.Ordinal), "did you mean 'OX'");
        // Three cluster levels cannot unroll a two-axis array without an explicit dataflow.
        Fails(Package.Replace("array: {D1: 64, D2: 64}", "array: {D1: 4096}", StringComparison.Ordinal), "give 'dataflow' or 'unrolling'");
    }
}
