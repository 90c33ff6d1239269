using Tessera.Hardware;
using Tessera.Reports;
using Tessera.Reports.Html;
using Tessera.Scenarios;
using Tessera.Tests.Cli;

namespace Tessera.Tests.Reports;

/// <summary>What a run's report draws from: the package the run scheduled on, and per-task costs built only when read.</summary>
public sealed class RunReportInputsTests
{
    private static Scenario Small() => ScenarioLoader.Load(CliRunner.TempFile(
        $"name: small\nhardware: scar-2x2-het\nmodels:\n  - model: {TestData.Shared("data", "onnx", "2_conv.onnx")}\n"));

    [Fact]
    public void The_run_carries_the_package_it_scheduled_on_with_its_overrides()
    {
        const long buffer = 96 * 1024;
        var result = new ScenarioRunner().Run(Small() with { HardwareOverrides = new PackageOverrides { BufferBytes = buffer } });
        Assert.NotNull(result.Package);
        // Every core's outermost on-chip level has the overridden capacity, which the preset's file does not.
        Assert.All(result.Package.Chiplets.SelectMany(c => c.Design.Cores), core => Assert.Equal(8 * buffer, core.Memories[^1].CapacityBits));
    }

    [Fact]
    public void Per_task_costs_are_built_when_read_and_add_up_to_the_runs_energy_and_dram_bytes()
    {
        var simulation = Assert.Single(new ScenarioRunner().Run(Small()).Simulations);
        Assert.False(simulation.TaskCostSource!.IsValueCreated);
        var costs = simulation.TaskCosts;
        Assert.True(simulation.TaskCostSource.IsValueCreated);
        Assert.Equal(simulation.Graph.Tasks.Length, costs.Length);
        // Static energy is the package's, over the makespan: no task carries it.
        var e = simulation.Evaluation;
        Assert.Equal(e.Energy.ComputeJ, costs.Sum(c => c.Energy.ComputeJ), 1e-12 * e.Energy.TotalJ);
        Assert.Equal(e.Energy.OnChipMemoryJ, costs.Sum(c => c.Energy.OnChipMemoryJ), 1e-12 * e.Energy.TotalJ);
        Assert.Equal(e.Energy.OffChipMemoryJ, costs.Sum(c => c.Energy.OffChipMemoryJ), 1e-12 * e.Energy.TotalJ);
        Assert.Equal(e.Energy.InterconnectJ, costs.Sum(c => c.Energy.InterconnectJ), 1e-12 * e.Energy.TotalJ);
        Assert.Equal(e.DramBytes, costs.Sum(c => c.DramBytes), 1e-9 * e.DramBytes);
        Assert.Equal(e.TransferBytes, costs.Sum(c => c.TransferBytes), 1e-9 * Math.Max(1, e.TransferBytes));
    }

    [Fact]
    public void The_roofline_leaves_out_simulations_without_per_task_costs_and_says_so()
    {
        var result = new ScenarioRunner().Run(Small());
        var bare = result with { Simulations = [.. result.Simulations.Select(s => s with { TaskCostSource = null })] };
        var computing = bare.Simulations.Sum(s => s.Graph.Tasks.OfType<Tessera.Scheduling.ComputeTask>()
            .Count(t => t.Macs > 0 && s.Timings[t.Id].EndSeconds > s.Timings[t.Id].StartSeconds));
        Assert.True(computing > 0);
        var manifest = Manifest.Create(["tessera", "run"], []);
        var roofline = RunReport.Build(bare, result.Package!, null, manifest).Figures.Single(f => f.Id == "roofline");
        Assert.Contains($"{computing} tasks of simulations without per-task costs are not shown", roofline.Caption, StringComparison.Ordinal);
        Assert.DoesNotContain("read nothing off chip", roofline.Caption, StringComparison.Ordinal);
        // With the costs, the same tasks are drawn or counted as on chip, and none is unaccounted for.
        var full = RunReport.Build(result, result.Package!, null, manifest).Figures.Single(f => f.Id == "roofline");
        Assert.DoesNotContain("without per-task costs", full.Caption, StringComparison.Ordinal);
    }
}
