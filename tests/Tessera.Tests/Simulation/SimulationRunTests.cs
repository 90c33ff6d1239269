using System.Text.Json;
using Tessera.Scenarios;
using Tessera.Scheduling;
using Tessera.Simulation;
using Tessera.Tests.Cli;

namespace Tessera.Tests.Simulation;

public class SimulationRunTests
{
    private static readonly Scenario Pipelined = new("p", "scar-3x3-het", [new ModelRequest("resnet18", Batch: 4), new ModelRequest("gpt2-small", SequenceLength: 32)])
    {
        Partition = PartitionMode.Pipelined,
        MiniBatches = 4,
    };

    [Fact]
    public void The_same_input_gives_the_identical_result()
    {
        var a = JsonSerializer.Serialize(new ScenarioRunner().Run(Pipelined).Evaluation);
        var b = JsonSerializer.Serialize(new ScenarioRunner().Run(Pipelined).Evaluation);
        Assert.Equal(a, b);
    }

    [Fact]
    public void The_trace_is_JSON_with_one_track_per_used_core_link_and_DRAM_device()
    {
        var simulation = Assert.Single(new ScenarioRunner().Run(Pipelined).Simulations);
        using var stream = new MemoryStream();
        TraceWriter.Write(stream, simulation);
        using var doc = JsonDocument.Parse(stream.ToArray());
        var events = doc.RootElement.GetProperty("traceEvents").EnumerateArray().ToList();
        var used = simulation.TaskResources.SelectMany(r => r).Distinct().Select(r => simulation.ResourceNames[r]).ToHashSet();
        var threads = events.Where(e => e.GetProperty("ph").GetString() == "M" && e.GetProperty("name").GetString() == "thread_name")
            .Select(e => e.GetProperty("args").GetProperty("name").GetString()!).ToList();
        Assert.Equal(used.Count, threads.Count);
        Assert.Equal(used.Order(), threads.Order());
        Assert.Contains(threads, t => t.StartsWith("dram-", StringComparison.Ordinal));
        Assert.Contains(threads, t => t.Contains('→'));
        Assert.Contains(threads, t => t.Contains("/core", StringComparison.Ordinal));
        foreach (var e in events)
        {
            Assert.True(e.GetProperty("pid").TryGetInt32(out _));
            if (e.GetProperty("ph").GetString() == "X")
            {
                Assert.True(e.GetProperty("tid").TryGetInt32(out _));
                Assert.True(e.GetProperty("dur").GetDouble() >= 0);
            }
        }
        Assert.Contains(events, e => e.GetProperty("ph").GetString() == "C");
        // Every task that holds a resource appears on that resource's track.
        Assert.Equal(simulation.TaskResources.Count(r => !r.IsEmpty), events.Where(e => e.GetProperty("ph").GetString() == "X")
            .Select(e => e.GetProperty("args").GetProperty("id").GetInt32()).Distinct().Count());
    }

    [Fact]
    public void Run_takes_partition_trace_and_contention_options()
    {
        var trace = Path.Combine(Path.GetTempPath(), $"tessera-{Guid.NewGuid():N}.json");
        var result = CliRunner.Run("run", "--partition", "pipelined", "--minibatch", "2", "--trace", trace, "--json");
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal("pipelined", result.Json.GetProperty("partition").GetString());
        using (var doc = JsonDocument.Parse(File.ReadAllText(trace)))
            Assert.True(doc.RootElement.GetProperty("traceEvents").GetArrayLength() > 0);
        File.Delete(trace);

        var off = CliRunner.Run("run", "--partition", "tp", "--tp", "3", "--no-contention", "--json");
        Assert.True(off.ExitCode == 0, off.Error);
        Assert.False(off.Json.GetProperty("contention").GetBoolean());
        Assert.Equal(0, off.Json.GetProperty("waitingSeconds").GetDouble());
    }

    [Fact]
    public void Fused_runs_and_an_unknown_partition_is_bad_input()
    {
        var result = CliRunner.Run("run", "--partition", "fused", "--json");
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal("fused", result.Json.GetProperty("partition").GetString());
        Assert.Equal(2, CliRunner.Run("run", "--partition", "diagonal").ExitCode);
    }

    [Fact]
    public void A_scenario_file_may_set_the_partition()
    {
        var path = CliRunner.TempFile("hardware: scar-3x3-het\npartition: pipelined\nminibatch: 2\nmodels:\n  - model: resnet18\n    batch: 2\n");
        var result = CliRunner.Run("run", path, "--json");
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal("pipelined", result.Json.GetProperty("partition").GetString());
        Assert.Equal(2, result.Json.GetProperty("models")[0].GetProperty("miniBatches").GetInt32());
        var bad = CliRunner.Run("run", CliRunner.TempFile("hardware: scar-3x3-het\npartition: sideways\nmodels:\n  - model: resnet18\n"));
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains(":2:", bad.Error);
    }
}
