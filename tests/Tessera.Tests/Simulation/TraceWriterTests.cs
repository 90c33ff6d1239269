using System.Text.Json;
using Tessera.Scenarios;
using Tessera.Simulation;

namespace Tessera.Tests.Simulation;

/// <summary>The Perfetto trace: each track shows what its resource did, every slice carries energy and bytes, and dependencies are arrows.</summary>
public sealed class TraceWriterTests
{
    private sealed record Slice(string Name, string Category, int Pid, int Tid, double Start, double End, JsonElement Args);

    private static (SimulationResult Simulation, List<JsonElement> Events, Dictionary<int, string> Processes) Trace(Scenario scenario)
    {
        var simulation = Assert.Single(new ScenarioRunner().Run(scenario).Simulations);
        using var stream = new MemoryStream();
        TraceWriter.Write(stream, simulation);
        var events = JsonDocument.Parse(stream.ToArray()).RootElement.GetProperty("traceEvents").EnumerateArray().ToList();
        var processes = events.Where(e => Is(e, "M") && e.GetProperty("name").GetString() == "process_name")
            .ToDictionary(e => e.GetProperty("pid").GetInt32(), e => e.GetProperty("args").GetProperty("name").GetString()!);
        return (simulation, events, processes);
    }

    private static bool Is(JsonElement e, string phase) => e.GetProperty("ph").GetString() == phase;

    private static List<Slice> Slices(List<JsonElement> events) => [.. events.Where(e => Is(e, "X")).Select(e => new Slice(
        e.GetProperty("name").GetString()!, e.GetProperty("cat").GetString()!, e.GetProperty("pid").GetInt32(), e.GetProperty("tid").GetInt32(),
        e.GetProperty("ts").GetDouble(), e.GetProperty("ts").GetDouble() + e.GetProperty("dur").GetDouble(), e.GetProperty("args")))];

    [Fact]
    public void In_the_default_layer_by_layer_run_DRAM_and_link_tracks_show_accesses_and_transfers_and_cores_compute()
    {
        var (simulation, events, processes) = Trace(Scenario.Default);
        var slices = Slices(events);
        // The simulator groups DRAM devices under "dram", links under "links", cores under their chiplet.
        string Expected(Slice s) => processes[s.Pid] switch { "dram" => "dram", "links" => "transfer", _ => "compute" };
        Assert.All(slices, s => Assert.Equal(Expected(s), s.Category));
        // Layer by layer, operators stream their operands: the DRAM and link tracks are busy, with accesses, not operators.
        Assert.Contains(slices, s => s.Category == "dram");
        Assert.Contains(slices, s => s.Category == "transfer");
        Assert.All(slices.Where(s => s.Category != "compute"), s => Assert.EndsWith(" operands", s.Name, StringComparison.Ordinal));
    }

    [Fact]
    public void Every_slice_carries_its_tasks_energy_and_bytes_and_they_add_up_to_the_evaluation()
    {
        var (simulation, events, _) = Trace(Scenario.Default);
        var tasks = Slices(events).GroupBy(s => s.Args.GetProperty("id").GetInt32()).Select(g => g.First().Args).ToList();
        var e = simulation.Evaluation;
        // Dynamic energy is the sum over tasks; static is the package's leakage over the makespan, on no slice.
        double joules = tasks.Sum(a => a.GetProperty("energyJ").GetDouble());
        Assert.Equal(e.Energy.TotalJ - e.Energy.StaticJ, joules, 1e-9 * e.Energy.TotalJ);
        Assert.Equal(e.Energy.OffChipMemoryJ, tasks.Sum(a => a.GetProperty("offChipMemoryJ").GetDouble()), 1e-9 * e.Energy.TotalJ);
        Assert.Equal(e.DramBytes, tasks.Sum(a => a.GetProperty("dramBytes").GetDouble()), 1e-9 * e.DramBytes);
        Assert.Equal(e.Models.Sum(m => (double)m.Macs), tasks.Where(a => a.TryGetProperty("macs", out _)).Sum(a => a.GetProperty("macs").GetDouble()));
        // The slices' compute energy is the operators' placements' (the evaluation's other path to the same joules).
        double placed = e.Placements.Sum(p => p.Energy.ComputeJ);
        Assert.Equal(placed, tasks.Sum(a => a.GetProperty("computeJ").GetDouble()), 1e-9 * placed);
    }

    [Fact]
    public void Every_dependency_is_a_flow_arrow_from_inside_its_slice_to_inside_the_dependents_and_forward_in_time()
    {
        var pipelined = new Scenario("p", "scar-2x2-het", [new ModelRequest("resnet18", Batch: 2)]) { Partition = Tessera.Scheduling.PartitionMode.Pipelined, MiniBatches = 2 };
        var (simulation, events, _) = Trace(pipelined);
        var slices = Slices(events);
        var starts = events.Where(e => Is(e, "s")).ToDictionary(e => e.GetProperty("id").GetInt32());
        var finishes = events.Where(e => Is(e, "f")).ToDictionary(e => e.GetProperty("id").GetInt32());
        // One arrow per dependency between tasks that hold a resource (a copy inside one chiplet holds none).
        int edges = simulation.Graph.Tasks.Where(t => !simulation.TaskResources[t.Id].IsEmpty)
            .Sum(t => t.Dependencies.Count(d => !simulation.TaskResources[d].IsEmpty));
        Assert.True(edges > 0);
        Assert.Equal(edges, starts.Count);
        Assert.Equal(starts.Keys.Order(), finishes.Keys.Order());
        Slice Enclosing(JsonElement flow) => Assert.Single(slices, s => s.Pid == flow.GetProperty("pid").GetInt32() && s.Tid == flow.GetProperty("tid").GetInt32()
            && s.Start <= flow.GetProperty("ts").GetDouble() && flow.GetProperty("ts").GetDouble() <= s.End
            && (s.End > s.Start || s.Start == flow.GetProperty("ts").GetDouble()));
        foreach (var (id, start) in starts)
        {
            var (from, to) = (Enclosing(start), Enclosing(finishes[id]));
            Assert.Contains(from.Args.GetProperty("id").GetInt32(), simulation.Graph.Tasks[to.Args.GetProperty("id").GetInt32()].Dependencies);
            Assert.True(from.End <= to.Start + 1e-9, $"arrow {id} goes back in time");
            Assert.Equal("e", finishes[id].GetProperty("bp").GetString());
        }
    }
}
