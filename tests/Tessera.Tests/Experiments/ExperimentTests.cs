using Tessera.Experiments;
using Tessera.Hardware;
using Tessera.Hardware.Presets;
using Tessera.Technology;
using Tessera.Tests.Cli;
using Xunit.Abstractions;

namespace Tessera.Tests.Experiments;

public class ExperimentTests(ITestOutputHelper output)
{
    private static ExperimentOptions Reduced => new(TestData.Shared(), Reduced: true);

    [Fact]
    public void Registry_lists_both_experiments_by_name()
    {
        Assert.Equal(["interlayer", "scar-arvr", "scar-datacenter", "stream-fusion"], ExperimentRegistry.All.Select(e => e.Name));
        Assert.All(ExperimentRegistry.All, e => Assert.False(string.IsNullOrWhiteSpace(e.Description)));
        Assert.IsType<StreamFusionExperiment>(ExperimentRegistry.Find("Stream-Fusion"));
        Assert.IsType<ScarDatacenterExperiment>(ExperimentRegistry.Find("scar-datacenter"));
        Assert.IsType<ScarArVrExperiment>(ExperimentRegistry.Find("SCAR-ARVR"));
        var error = Assert.Throws<Tessera.Diagnostics.TesseraInputException>(() => ExperimentRegistry.Find("scar-cloud"));
        Assert.Contains("interlayer, scar-arvr, scar-datacenter, stream-fusion", error.Message);
    }

    [Fact]
    public void Stream_fusion_fused_fsrcnn_moves_fewer_dram_bytes_than_layer_by_layer()
    {
        var progress = new List<double>();
        var result = (StreamFusionResult)new StreamFusionExperiment().Run(Reduced, new SynchronousProgress(progress.Add), CancellationToken.None);
        var lbl = result.Rows.Single(r => r.Partition == "lbl");
        var fused = result.Rows.Single(r => r.Partition == "fused OY, all; OX, 4");
        output.WriteLine($"FSRCNN on hda_bus: lbl {lbl.LatencySeconds * 1e3:0.0} ms {lbl.DramBytes / 1e6:0.0} MB; fused {fused.LatencySeconds * 1e3:0.0} ms {fused.DramBytes / 1e6:0.0} MB");
        // docs/experiments.md: 204.6 MB and 62.2 ms layer by layer; 117.4 MB and 43.0 ms fused with quarter rows.
        Assert.True(fused.DramBytes < lbl.DramBytes);
        Assert.Equal(62.2e-3, lbl.LatencySeconds, 0.1e-3);
        Assert.Equal(43.0e-3, fused.LatencySeconds, 0.1e-3);
        Assert.Equal(fused.DramBytes / lbl.DramBytes, fused.DramRatio, 1e-12);
        Assert.Equal(1.0, progress[^1]);
        var table = result.ToTable();
        Assert.Equal(2, table.Rows.Length);
        Assert.All(table.Rows, r => Assert.Equal(table.Columns.Length, r.Length));
    }

    [Fact]
    public void Monolithic_chip_has_the_packages_processing_elements_l2_and_dram_bandwidth()
    {
        var t = TechnologyLibrary.LoadDefault();
        var package = HardwarePresets.CreatePackage(InterlayerExperiment.Package, t);
        var monolithic = HardwarePresets.CreatePackage(HardwarePresets.Monolithic, t);
        Assert.Equal(4, package.Chiplets.Length);
        Assert.Equal(2, package.Chiplets.Count(c => c.Design.Name == "scar-ws"));
        Assert.Equal(InterlayerExperiment.ProcessingElements(package), InterlayerExperiment.ProcessingElements(monolithic));
        Assert.Equal(package.Memories.Sum(m => m.BandwidthBytesPerSecond), monolithic.Memories.Single().BandwidthBytesPerSecond);
        var core = monolithic.Chiplets.Single().Design.Cores.Single();
        Assert.Equal(package.Chiplets.Sum(c => c.Design.Cores[0].Memories[^1].CapacityBits), core.Memories[^1].CapacityBits);
    }

    [Fact]
    public void Interlayer_reduced_run_reports_positive_throughput_and_efficiency_on_equal_pes()
    {
        var result = (InterlayerResult)new InterlayerExperiment().Run(Reduced, null, CancellationToken.None);
        Assert.Equal(2, result.Rows.Length);
        Assert.Single(result.Rows.Select(r => r.ProcessingElements).Distinct());
        foreach (var r in result.Rows)
        {
            output.WriteLine($"{r.Workload} on {r.Hardware}: {r.InferencesPerSecond:0.0}/s, {r.InferencesPerJoule:0.0}/J, ×{r.ThroughputGain:0.00} ×{r.EfficiencyGain:0.00}");
            Assert.True(r.InferencesPerSecond > 0 && r.InferencesPerJoule > 0);
            Assert.Contains("resnet50: ", r.Chiplets);
        }
        Assert.Equal(1.0, result.Rows.Single(r => r.Hardware == HardwarePresets.Monolithic).ThroughputGain);
    }

    [Fact]
    public void Cli_rejects_an_unknown_experiment_with_the_list_of_names()
    {
        var outcome = CliRunner.Run("experiment", "scar-cloud");
        Assert.Equal(2, outcome.ExitCode);
        Assert.StartsWith("error: unknown experiment 'scar-cloud'", outcome.Error);
        Assert.Contains("interlayer, scar-arvr, scar-datacenter, stream-fusion", outcome.Error);
    }

    [Fact]
    public void Cli_writes_the_reduced_interlayer_result_as_json_to_stdout_and_a_file()
    {
        var file = Path.Combine(Path.GetTempPath(), $"tessera-{Guid.NewGuid():N}.json");
        var outcome = CliRunner.Run("experiment", "interlayer", "--reduced", "--json", "--out", file, "--shared", TestData.Shared());
        Assert.Equal(0, outcome.ExitCode);
        var rows = outcome.Json.GetProperty("rows");
        Assert.Equal(2, rows.GetArrayLength());
        Assert.True(rows[1].GetProperty("inferencesPerSecond").GetDouble() > 0);
        Assert.Equal(outcome.Out.Trim(), File.ReadAllText(file).Trim());
        File.Delete(file);
        var listing = CliRunner.Run("experiment");
        Assert.Equal(0, listing.ExitCode);
        Assert.Contains("stream-fusion", listing.Out);
    }

    [Fact]
    public void Cli_runs_the_reduced_scar_datacenter_experiment_as_json()
    {
        var outcome = CliRunner.Run("experiment", "scar-datacenter", "--reduced", "--json");
        Assert.Equal(0, outcome.ExitCode);
        var cells = outcome.Json.GetProperty("cells");
        Assert.Equal(8, cells.GetArrayLength());
        Assert.All(cells.EnumerateArray(), c => Assert.True(c.GetProperty("latencySeconds").GetDouble() > 0));
    }

    [Fact]
    public void Cli_says_where_the_shared_folder_should_be_when_it_is_wrong()
    {
        var outcome = CliRunner.Run("experiment", "stream-fusion", "--shared", Path.GetTempPath());
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("has no data/ folder", outcome.Error);
    }

    /// <summary>Progress reported on the calling thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class SynchronousProgress(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }
}
