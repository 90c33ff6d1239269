using Tessera.Diagnostics;
using Tessera.Scoring;
using Tessera.Tests.Cli;

namespace Tessera.Tests.Fuzzing;

/// <summary>
/// One regression test per class of bad input the fuzzing found: each ends with exit code 2 and one line naming the
/// input, the place and what was expected, and never a stack trace.
/// </summary>
public sealed class BadInputTests
{
    private static string Shared(params string[] parts) => TestData.Shared(["data", .. parts]);

    /// <summary>Exit 2, one line on stderr that contains every fragment, nothing printed as a result.</summary>
    private static void AssertRefused(CliRunner.Outcome outcome, params string[] fragments)
    {
        Assert.True(outcome.ExitCode == 2, $"exit {outcome.ExitCode}: {outcome.Error}{outcome.Out}");
        var lines = outcome.Error.Trim().Split('\n');
        Assert.Single(lines);
        foreach (var fragment in fragments)
            Assert.Contains(fragment, lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", outcome.Error, StringComparison.Ordinal);
    }

    private static string Yaml(string text) => CliRunner.TempFile(text);

    private static string EdgePackage(Func<string, string> edit) =>
        Yaml(edit(File.ReadAllText(TestData.Repository("examples", "edge-package.yaml"))));

    [Fact]
    public void Special_files_are_refused_without_reading_them()
    {
        if (OperatingSystem.IsWindows()) return;
        var folder = Directory.CreateTempSubdirectory("tessera-special-").FullName;
        var fifo = Path.Combine(folder, "fifo.yaml");
        System.Diagnostics.Process.Start("mkfifo", fifo)!.WaitForExit();
        var zero = Path.Combine(folder, "zero.onnx");
        File.CreateSymbolicLink(zero, "/dev/zero");
        var loop = Path.Combine(folder, "loop.m");
        File.CreateSymbolicLink(loop, loop);
        // Each would block forever, fill memory or throw from the file system before.
        AssertRefused(CliRunner.Run("hardware", fifo), fifo, "not a regular file");
        AssertRefused(CliRunner.Run("inspect", zero), zero, "not a regular file");
        AssertRefused(CliRunner.Run("map", loop, "--num-pes", "256", "--noc-bw", "256"), loop, "symbolic links");
        AssertRefused(CliRunner.Run("hardware", folder + ".yaml"), "file not found");
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public void Malformed_and_deeply_nested_yaml_is_refused_with_a_position()
    {
        AssertRefused(CliRunner.Run("hardware", Yaml("- - - : : :")), "malformed YAML");
        // 100 000 levels would overflow the stack of YamlDotNet's recursive loader.
        var deep = Yaml("a: " + new string('[', 100_000));
        AssertRefused(CliRunner.Run("hardware", deep), $"{Path.GetFileName(deep)}:1:", "nested deeper than 64");
    }

    [Theory]
    [InlineData("frequency: 1 GHz", "frequency: 1e999 GHz", "frequency")]
    [InlineData("frequency: 1 GHz", "frequency: Infinity GHz", "frequency")]
    [InlineData("size: 2 MiB", "size: .nan MiB", "size")]
    public void Non_finite_numbers_in_hardware_are_refused(string from, string to, string what)
    {
        var file = EdgePackage(t => t.Replace(from, to, StringComparison.Ordinal));
        AssertRefused(CliRunner.Run("hardware", file), Path.GetFileName(file) + ":", what);
    }

    [Fact]
    public void A_negative_energy_in_a_stream_memory_is_refused()
    {
        var core = Path.Combine(Directory.CreateTempSubdirectory("tessera-core-").FullName, "core.yaml");
        File.WriteAllText(core, File.ReadAllText(Shared("zigzag", "hardware", "tpu_like.yaml")).Replace("r_cost: ", "r_cost: -", StringComparison.Ordinal));
        AssertRefused(CliRunner.Run("map", Shared("zigzag", "workload", "gemm_layer.yaml"), "--core", core), "r_cost", "≥ 0");
    }

    [Fact]
    public void Two_chiplets_at_one_position_and_negative_coordinates_are_refused()
    {
        const string Package = """
            name: clash
            chiplets:
              a: {preset: nvdla-like}
            instances:
              - {id: c0, chiplet: a, x: 0, y: 0}
              - {id: c1, chiplet: a, x: {X}, y: 0}
            memories:
              - {id: dram, type: LPDDR5, attach: c0}
            topology: {kind: mesh, link: ucie-advanced}
            """;
        var clash = Yaml(Package.Replace("{X}", "0", StringComparison.Ordinal));
        AssertRefused(CliRunner.Run("hardware", clash), $"{Path.GetFileName(clash)}:6:", "(0, 0)", "'c0' already is");
        AssertRefused(CliRunner.Run("hardware", Yaml(Package.Replace("{X}", "-1", StringComparison.Ordinal))), "x is -1", "from 0");
    }

    [Theory]
    [InlineData("inspect", "gpt2-small", "--phase", "7")]
    [InlineData("inspect", "resnet18", "--batch", "-3")]
    [InlineData("ecosystem", "--suite", "gpt2-small:decode", "--max-pool", "0")]
    [InlineData("ecosystem", "--suite", "gpt2-small:decode", "--max-pool", "-3")]
    [InlineData("cost", "scar-2x2-het", "--products-sharing", "0")]
    [InlineData("experiment", "--setting", "1/0")]
    public void Flags_out_of_range_or_enums_given_as_numbers_are_refused(params string[] args)
    {
        var outcome = CliRunner.Run(args);
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains(args[^2], outcome.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", outcome.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Operand_widths_beyond_64_bits_are_refused_on_the_command_line_too() =>
        AssertRefused(CliRunner.Run("map", "resnet18", "--core", "scar-ws", "--bits", "2147483647"), "2147483647 bits per value", "1 to 64");

    [Fact]
    public void A_sequence_whose_attention_overflows_64_bits_is_refused() =>
        // S² attention scores of 2·10⁹ tokens exceed 2^63 elements.
        AssertRefused(CliRunner.Run("inspect", "gpt2-small", "--sequence", "2000000000"), "gpt2-small", "sequence 2000000000", "2^63");

    [Fact]
    public void A_zigzag_layer_naming_a_loop_dimension_twice_is_refused()
    {
        var workload = Yaml(File.ReadAllText(Shared("zigzag", "workload", "gemm_layer.yaml")).Replace("loop_dims: [D0, D1, D2]", "loop_dims: [D0, D1, D0]", StringComparison.Ordinal));
        AssertRefused(CliRunner.Run("map", workload, "--core", "tpu-like"), Path.GetFileName(workload) + ":", "D0 twice");
    }

    [Fact]
    public void A_study_with_a_bit_width_beyond_64_is_refused()
    {
        var study = Yaml(CliRunner.Run("study", "av-perception", "--print-default").Out.Replace("bits: 16", "bits: 2147483647", StringComparison.Ordinal));
        AssertRefused(CliRunner.Run("study", "av-perception", study), Path.GetFileName(study) + ":", "bits", "from 1 to 64");
    }

    [Fact]
    public void A_core_file_name_with_a_null_character_is_refused()
    {
        var folder = Directory.CreateTempSubdirectory("tessera-nul-").FullName;
        var accelerator = Path.Combine(folder, "acc.yaml");
        File.WriteAllText(accelerator, "name: a\ncores:\n  0: \"core\\u0000.yaml\"\noffchip_core_id: 0\ncore_connectivity: []\n");
        AssertRefused(CliRunner.Run("hardware", accelerator), "acc.yaml:3:", "expected a file name");
    }

    [Fact]
    public void A_grid_beyond_the_chiplet_budget_stops_before_it_is_built()
    {
        var file = Yaml("""
            name: huge
            chiplets:
              a: {preset: nvdla-like}
            grid: {width: 100000, height: 100000, chiplet: a}
            topology: {kind: mesh, link: ucie-advanced}
            """);
        AssertRefused(CliRunner.Run("hardware", file), $"{Path.GetFileName(file)}:4:", "1E+10", $"budget of {Limits.Default.Chiplets}", "--limit chiplets=N");
    }

    [Fact]
    public void The_limit_option_moves_a_budget_for_one_run()
    {
        var file = Yaml("""
            name: six
            chiplets:
              a: {preset: nvdla-like}
            grid: {width: 3, height: 2, chiplet: a}
            topology: {kind: mesh, link: ucie-advanced}
            """);
        Assert.Equal(0, CliRunner.Run("hardware", file).ExitCode);
        AssertRefused(CliRunner.Run("hardware", file, "--limit", "chiplets=5"), "would be 6", "budget of 5", "--limit chiplets=N");
        // The scope ends with the run: the next run has the defaults again.
        Assert.Equal(0, CliRunner.Run("hardware", file).ExitCode);
        Assert.Equal(Limits.Default, Limits.Current);
        AssertRefused(CliRunner.Run("hardware", file, "--limit", "chiplet=5"), "did you mean 'chiplets'", "tasks");
        AssertRefused(CliRunner.Run("hardware", file, "--limit", "chiplets=-1"), "expected NAME=VALUE with a whole number ≥ 1");
    }

    [Fact]
    public void A_system_repeating_a_package_beyond_the_memory_budget_stops_before_it_is_flattened()
    {
        // Each package alone is within the budget (4096 memories); 4096 of them would be 16.8 million devices and links.
        var folder = Directory.CreateTempSubdirectory("tessera-system-").FullName;
        File.WriteAllText(Path.Combine(folder, "pkg.yaml"), """
            name: wide-memory
            chiplets:
              a: {preset: nvdla-like}
            grid: {width: 1, height: 1, chiplet: a}
            memories:
              - {id: m, type: LPDDR5, count: 4096}
            topology: {kind: mesh, link: ucie-advanced}
            """);
        var system = Path.Combine(folder, "sys.yaml");
        File.WriteAllText(system, "name: many\nchildren:\n  - {id: p, file: pkg.yaml, repeat: 4096}\ntopology: {kind: ring, link: nvlink-c2c}\n");
        AssertRefused(CliRunner.Run("hardware", system), "sys.yaml", "memory device count of the flattened system would be 1.67772E+07",
            $"budget of {Limits.Default.MemoryDevices}", "--limit memory-devices=N");
        AssertRefused(CliRunner.Run("hardware", system, "--limit", "memory-devices=100000000"), "link count of the flattened system would be",
            $"budget of {Limits.Default.Links}", "--limit links=N");
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public void A_package_counts_its_memories_over_every_entry()
    {
        var file = Yaml("""
            name: two-entries
            chiplets:
              a: {preset: nvdla-like}
            grid: {width: 1, height: 1, chiplet: a}
            memories:
              - {id: m, type: LPDDR5, count: 3}
              - {id: n, type: LPDDR5, count: 3}
            topology: {kind: mesh, link: ucie-advanced}
            """);
        Assert.Equal(0, CliRunner.Run("hardware", file, "--limit", "memory-devices=6").ExitCode);
        AssertRefused(CliRunner.Run("hardware", file, "--limit", "memory-devices=5"), $"{Path.GetFileName(file)}:7:",
            "the package's memory device count would be 6", "budget of 5");
    }

    [Fact]
    public void An_all_to_all_topology_beyond_the_link_budget_is_refused_before_its_links_are_built()
    {
        string Grid(int width, int height) => Yaml($$"""
            name: clique
            chiplets:
              a: {preset: nvdla-like}
            grid: {width: {{width}}, height: {{height}}, chiplet: a}
            topology: {kind: all-to-all, link: ucie-advanced}
            """);
        // Five chiplets: 10 links, at the budget; six: 15. At the default budget, a 64×64 grid would be 8.4 million.
        Assert.Equal(0, CliRunner.Run("hardware", Grid(5, 1), "--limit", "links=10").ExitCode);
        AssertRefused(CliRunner.Run("hardware", Grid(3, 2), "--limit", "links=10"), ":5:", "all-to-all link count would be 15", "--limit links=N");
        AssertRefused(CliRunner.Run("hardware", Grid(64, 64)), "all-to-all link count would be 8.38656E+06", $"budget of {Limits.Default.Links}");
    }

    [Fact]
    public void A_model_beyond_the_operator_budget_is_refused_before_it_is_built()
    {
        var study = Yaml(Tessera.Tests.Studies.StudyRunTests.SmallPerception.Replace("fusion: {layers: 1,", "fusion: {layers: 100000,", StringComparison.Ordinal));
        AssertRefused(CliRunner.Run("study", "av-perception", study, "--cost-model", "roofline"), "operator count would be", "--limit operators=N");
    }

    [Fact]
    public void A_sweep_base_holding_a_nul_character_is_refused_at_its_line()
    {
        var sweep = Yaml("name: nul\nbase: \"base\\0.yaml\"\naxes:\n  batch: [1, 2]\n");
        AssertRefused(CliRunner.Run("sweep", sweep, "--list"), $"{Path.GetFileName(sweep)}:2:", "expected a scenario file name");
    }

    [Fact]
    public void A_chiplet_named_with_console_markup_prints_as_written()
    {
        // Fuzz case 96782 (seed 13): a design named "a]mc" gave its instances that id, which the console took as markup.
        var file = Yaml(File.ReadAllText(TestData.Repository("examples", "imc-package.yaml")).Replace("\n  aimc:\n", "\n  a]mc:\n", StringComparison.Ordinal));
        var r = CliRunner.Run("hardware", file);
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Contains("a]mc", r.Out);
    }

    [Fact]
    public void An_empty_mapping_path_is_refused()
    {
        AssertRefused(CliRunner.Run("run", "--mapping", "", "--print-scenario"), "--mapping is empty; expected a Stream mapping file");
    }

    [Fact]
    public void A_task_graph_beyond_the_task_budget_stops_while_it_is_built()
    {
        AssertRefused(CliRunner.Run("run", "--workload", "resnet18", "--hardware", "scar-3x3-het", "--limit", "tasks=10"),
            "the task graph of resnet18", "budget of 10", "--limit tasks=N");
    }

    [Fact]
    public void A_stream_mapping_with_an_empty_core_allocation_is_refused()
    {
        var lab = Shared("stream-tutorial", "lab1");
        var mapping = Yaml("""
            - name: default
              core_allocation: []
              intra_core_tiling:
                - OY, all
            """);
        AssertRefused(CliRunner.Run("run", "--workload", Path.Combine(lab, "workload", "4_convs.onnx"), "--hardware", Path.Combine(lab, "hardware", "hda_bus.yaml"),
            "--mapping", mapping), $"{Path.GetFileName(mapping)}:2:", "lists no core");
    }

    [Fact]
    public void Results_that_break_physics_fail_where_they_are_made()
    {
        Assert.Throws<InvariantViolationException>(() => Metrics.Of(-1e-3, 1));
        Assert.Throws<InvariantViolationException>(() => Metrics.Of(1, double.NaN));
        Assert.Throws<InvariantViolationException>(() => new Metrics(1, new EnergyBreakdown(1, -0.765, 0, 0, 0)));
        Assert.Throws<InvariantViolationException>(() => Metrics.Of(1, 1).WithCost(double.PositiveInfinity));
        Assert.Throws<InvariantViolationException>(() => Metrics.Of(1, 1) with { LatencySeconds = double.NaN });
        // Zero is a valid result (an empty stage), and sums of valid results stay valid.
        Assert.Equal(3, (Metrics.Of(1, 2) + Metrics.Of(2, 0)).LatencySeconds);
    }
}
