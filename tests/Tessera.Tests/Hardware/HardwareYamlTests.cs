using System.Text.RegularExpressions;
using Tessera.Diagnostics;
using Tessera.Hardware;
using Tessera.Interop;
using Tessera.Technology;
using Tessera.Workloads;

namespace Tessera.Tests.Hardware;

public sealed partial class HardwareYamlTests : IDisposable
{
    private static readonly TechnologyLibrary Tech = TechnologyLibrary.LoadDefault();
    private readonly string _dir = Directory.CreateTempSubdirectory("tessera-hw-").FullName;

    private const string Valid = """
        name: demo
        node: 7nm
        chiplets:
          compute:
            cores:
              - name: ws
                array: {D1: 32, D2: 16}
                dataflow: weight-stationary
                frequency: 1 GHz
                precision: int8
                memories:
                  - {name: rf, size: 64 B, bandwidth: 8, holds: [weight], served_axes: []}
                  - {name: acc, size: 4 KiB, bandwidth: 512, holds: [output]}
                  - name: gb
                    size: 1 MiB
                    read_bandwidth: 1024
                    write_bandwidth: 512
                    holds: [input, weight, output]
                    read_energy_pj_per_bit: 0.5
          big:
            preset: nvdla-like
        grid:
          layout:
            - [compute, big, compute]
            - [big, compute, big]
            - [compute, big, compute]
        memories:
          - {id: dram, type: SCAR-28nm, attach: sides}
          - {id: hbm, type: HBM3, count: 2}
        topology:
          kind: mesh
          link: scar-nop
        """;

    private Package Load(string text, string file = "hw.yaml")
    {
        var path = Path.Combine(_dir, file);
        File.WriteAllText(path, text);
        return HardwareLoader.Load(path, Tech);
    }

    private void Fails(string text, string expected)
    {
        var e = Assert.Throws<TesseraInputException>(() => Load(text));
        Assert.Matches(Position(), e.Message);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^hw\.yaml:\d+:\d+: ")]
    private static partial Regex Position();

    [Fact]
    public void A_valid_file_loads_with_defaults_from_the_library()
    {
        var p = Load(Valid);
        Assert.Equal("demo", p.Name);
        Assert.Equal(9, p.Chiplets.Length);
        Assert.Equal(6 + 2, p.Memories.Length);
        Assert.Equal(12 + 8, p.Links.Length);
        var core = p.Chiplet("c0_0").Design.Cores[0];
        Assert.Equal(512, core.Array.ProcessingElements);
        Assert.Equal(32, core.Dataflow.FactorOf("K"));
        Assert.Equal(1e9, core.FrequencyHz);
        Assert.Equal(Tech.MacEnergyPj(8, "7nm"), core.Array.MacEnergyPj);
        Assert.Equal(Tech.SramEnergyPerBitPj(4096, "7nm"), core.Memories[1].ReadEnergyPerBitPj);
        Assert.Equal(0.5, core.Memories[2].ReadEnergyPerBitPj);
        Assert.Equal(512, core.Memories[2].WriteBitsPerCycle);
        Assert.Empty(core.Memories[0].ServedArrayAxes);
        Assert.Equal(2048, p.Chiplet("c1_0").Design.Cores[0].Array.ProcessingElements);
        Assert.Equal(35e-9, p.Route("c0_0", "c1_0")!.Value[0].LatencySeconds, 15);
    }

    [Fact]
    public void Explicit_unrolling_and_topologies_load()
    {
        var text = Valid.Replace("dataflow: weight-stationary", "unrolling: {D1: [K, 32], D2: [[C, 8], [FY, 2]]}", StringComparison.Ordinal)
            .Replace("kind: mesh", "kind: explicit\n  pairs: [[c0_0, c2_2], [c1_1, c0_0]]", StringComparison.Ordinal)
            .Replace("link: scar-nop", "link: {type: ucie-advanced, bandwidth: 64 GB/s}", StringComparison.Ordinal);
        var p = Load(text);
        var core = p.Chiplet("c0_0").Design.Cores[0];
        Assert.Equal(8, core.Dataflow.FactorOf("C"));
        Assert.Equal(2, core.Dataflow.FactorOf("FY"));
        Assert.Equal(2 + 8, p.Links.Length);
        Assert.Equal(64e9, p.Links[0].BandwidthBytesPerSecond);
        Assert.Equal(Tech.DieToDie("ucie-advanced").EnergyPerBitPj, p.Links[0].EnergyPerBitPj);
        foreach (var kind in new[] { "torus", "ring", "triangular", "all-to-all" })
            Assert.NotEmpty(Load(Valid.Replace("kind: mesh", $"kind: {kind}", StringComparison.Ordinal)).Links);
    }

    [Fact]
    public void Explicit_instances_and_a_single_design_load()
    {
        const string text = """
            chiplets:
              a: {preset: eyeriss-like}
              b: {preset: shidiannao-like}
            instances:
              - {id: left, chiplet: a, x: 0, y: 0}
              - {id: right, chiplet: b, x: 1, y: 0}
            memories:
              - {id: lp, type: lpddr5, attach: left}
            topology: {kind: all-to-all, link: {bandwidth: 10 GB/s, energy_pj_per_bit: 1.5, latency: 20 ns}}
            """;
        var p = Load(text);
        Assert.Equal(["left", "right"], p.Chiplets.Select(c => c.Id));
        Assert.Equal(20e-9, p.Links[0].LatencySeconds, 15);
        Assert.Equal(1.5, p.Links[0].EnergyPerBitPj);
        Assert.Equal("LPDDR5", p.Memories[0].Type);
        Assert.Equal(2, p.Route("lp", "right")!.Value.Length);
        Assert.Equal(Tech.NodeFrom("defaults.node"), p.Chiplets[0].Design.TechnologyNode);
        var single = Load("chiplets:\n  only: {preset: tpu-like-small}\n");
        Assert.Equal(1024, Assert.Single(single.Chiplets).Design.Cores[0].Array.ProcessingElements);
    }

    [Fact]
    public void Malformed_yaml_names_line_and_column()
    {
        Fails(Valid.Replace("name: demo", "name: [demo", StringComparison.Ordinal), "malformed YAML");
        var e = Assert.Throws<TesseraInputException>(() => Load(Valid.Replace("    cores:", "    cores: x: y", StringComparison.Ordinal)));
        Assert.StartsWith("hw.yaml:5:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_preset_fails() =>
        Fails(Valid.Replace("preset: nvdla-like", "preset: nvdla-huge", StringComparison.Ordinal), "unknown core preset 'nvdla-huge'");

    [Fact]
    public void Unknown_dataflow_fails() =>
        Fails(Valid.Replace("dataflow: weight-stationary", "dataflow: sideways", StringComparison.Ordinal), "unknown dataflow 'sideways'");

    [Fact]
    public void Unknown_memory_type_fails() =>
        Fails(Valid.Replace("type: HBM3", "type: HBM9", StringComparison.Ordinal), "unknown memory type 'HBM9'");

    [Fact]
    public void Unknown_node_fails() =>
        Fails(Valid.Replace("node: 7nm", "node: 9nm", StringComparison.Ordinal), "unknown technology node '9nm'");

    [Fact]
    public void Unknown_link_type_fails() =>
        Fails(Valid.Replace("link: scar-nop", "link: carrier-pigeon", StringComparison.Ordinal), "unknown link type");

    [Theory]
    [InlineData("size: 64 B", "size: 0 B")]
    [InlineData("size: 4 KiB", "size: -4 KiB")]
    [InlineData("bandwidth: 512", "bandwidth: 0")]
    [InlineData("read_bandwidth: 1024", "read_bandwidth: -1")]
    [InlineData("D1: 32", "D1: 0")]
    [InlineData("frequency: 1 GHz", "frequency: 0 GHz")]
    public void Zero_or_negative_sizes_and_bandwidths_fail(string from, string to) =>
        Fails(Valid.Replace(from, to, StringComparison.Ordinal), "expected a positive");

    [Fact]
    public void A_stated_die_area_overrides_the_estimate_from_components()
    {
        var p = Load(Valid.Replace("preset: nvdla-like", "preset: nvdla-like\n    area_mm2: 42.5", StringComparison.Ordinal));
        Assert.Equal(42.5, p.Chiplet("c1_0").Design.AreaMm2);
        Assert.Equal(0, p.Chiplet("c0_0").Design.AreaMm2); // not stated: estimated from its components
        var area = Tessera.Economics.CostModel.DesignAreas(Tech, p, Tessera.Economics.Packaging.Interposer25D).Single(d => d.Design.Name == "big").Area;
        Assert.Equal(42.5, area.TotalMm2);
        Assert.NotEqual(42.5, area.EstimatedMm2);
    }

    [Theory]
    [InlineData("0", "expected a positive finite number")]
    [InlineData("-3", "expected a positive finite number")]
    [InlineData("1e999", "expected a positive finite number")]
    [InlineData("Infinity", "expected a positive finite number")]
    [InlineData("NaN", "expected a positive finite number")]
    [InlineData("big", "expected a number")]
    public void A_stated_die_area_must_be_positive_and_finite(string value, string expected) =>
        Fails(Valid.Replace("preset: nvdla-like", $"preset: nvdla-like\n    area_mm2: {value}", StringComparison.Ordinal), expected);

    [Fact]
    public void An_unknown_chiplet_key_is_refused_with_a_suggestion() =>
        Fails(Valid.Replace("preset: nvdla-like", "preset: nvdla-like\n    area_mm: 40", StringComparison.Ordinal),
            "unknown key 'area_mm' in chiplet 'big' (did you mean 'area_mm2'?)");

    [Fact]
    public void A_link_to_a_missing_chiplet_fails()
    {
        var text = Valid.Replace("kind: mesh", "kind: explicit\n  pairs: [[c0_0, c9_9]]", StringComparison.Ordinal);
        Fails(text, "'c9_9', which does not exist");
        Fails(Valid.Replace("attach: sides", "attach: [c7_7]", StringComparison.Ordinal), "'c7_7', which does not exist");
    }

    [Fact]
    public void A_level_holding_nothing_fails()
    {
        var e = Assert.Throws<TesseraInputException>(() =>
            Load(Valid.Replace("holds: [output]}", "holds: []}", StringComparison.Ordinal)));
        Assert.Matches(@"^hw\.yaml:13:\d+: memory level 'acc' holds no operand; expected one of input, weight, output$", e.Message);
        Fails(Valid.Replace("holds: [weight]", "holds: [bias]", StringComparison.Ordinal), "expected one of input, weight, output");
    }

    [Fact]
    public void An_operand_without_a_level_fails() =>
        Fails(Valid.Replace("holds: [input, weight, output]", "holds: [weight, output]", StringComparison.Ordinal), "no memory level holds the input operand");

    [Fact]
    public void An_unknown_preset_name_or_missing_file_fails()
    {
        Assert.Throws<TesseraInputException>(() => HardwareLoader.Load("nope", Tech));
        Assert.Throws<TesseraInputException>(() => HardwareLoader.Load(Path.Combine(_dir, "missing.yaml"), Tech));
    }

    [Fact]
    public void Every_operand_role_is_recognised() =>
        Assert.Equal(3, Enum.GetValues<OperandRole>().Length);

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
