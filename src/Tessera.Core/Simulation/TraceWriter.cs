using System.Text.Json;
using Tessera.Evaluation;
using Tessera.Scheduling;

namespace Tessera.Simulation;

/// <summary>
/// Writes a simulated schedule as Chrome/Perfetto trace JSON (open it in ui.perfetto.dev): one process per
/// chiplet (a thread per core, plus a counter of each core's on-chip memory), one for the DRAM devices and one
/// for the package links (a thread per device and per directed link). Tasks are complete events in µs. A task shows
/// on every resource it held, as what it did there: a core computes, a device is read or written, a link carries
/// bytes — so an operator that streams its operands from DRAM appears as compute on its core and as a DRAM access
/// and a transfer on the device and links it kept busy. Every slice's args carry its task's energy by component and
/// bytes; flow arrows join each task to the tasks that depend on it (from its first track to theirs).
/// </summary>
public static class TraceWriter
{
    private const double MicrosPerSecond = 1e6;

    public static void Write(Stream stream, SimulationResult result)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false });
        json.WriteStartObject();
        json.WriteString("displayTimeUnit", "ns");
        json.WriteStartArray("traceEvents");

        // Tracks only for resources that some task used; pids by group in order of first appearance.
        var used = new bool[result.ResourceNames.Length];
        foreach (var claims in result.TaskResources)
            foreach (var r in claims) used[r] = true;
        var withMemory = result.Evaluation.Memory.Select(m => CoreOf(m)).ToHashSet(StringComparer.Ordinal);
        var pids = new Dictionary<string, int>(StringComparer.Ordinal);
        var track = new (int Pid, int Tid)[used.Length];
        var nextTid = new Dictionary<int, int>();
        for (int r = 0; r < used.Length; r++)
        {
            var group = result.ResourceGroups[r];
            // A core that holds memory but ran nothing still gets its chiplet's process, for the memory counter.
            bool counted = result.ResourceKinds[r] == ResourceKind.Core && withMemory.Contains(result.ResourceNames[r]);
            if (!used[r] && !counted) continue;
            if (!pids.TryGetValue(group, out var pid))
            {
                pids[group] = pid = pids.Count + 1;
                Metadata(json, "process_name", pid, 0, group);
            }
            track[r] = (pid, 0);
            if (!used[r]) continue;
            int tid = nextTid[pid] = nextTid.GetValueOrDefault(pid) + 1;
            track[r] = (pid, tid);
            Metadata(json, "thread_name", pid, tid, result.ResourceNames[r]);
        }

        foreach (var task in result.Graph.Tasks)
        {
            var timing = result.Timings[task.Id];
            foreach (var r in result.TaskResources[task.Id])
            {
                var (name, category) = (result.ResourceKinds[r], task) switch
                {
                    (ResourceKind.Core, _) => (task.Name, "compute"),
                    (ResourceKind.Dram, ComputeTask) => ($"{task.Name} operands", "dram"),
                    (ResourceKind.Dram, _) => (task.Name, "dram"),
                    (ResourceKind.Link, ComputeTask) => ($"{task.Name} operands", "transfer"),
                    _ => (task.Name, "transfer"),
                };
                json.WriteStartObject();
                json.WriteString("name", name);
                json.WriteString("cat", category);
                json.WriteString("ph", "X");
                json.WriteNumber("ts", timing.StartSeconds * MicrosPerSecond);
                json.WriteNumber("dur", (timing.EndSeconds - timing.StartSeconds) * MicrosPerSecond);
                json.WriteNumber("pid", track[r].Pid);
                json.WriteNumber("tid", track[r].Tid);
                WriteArgs(json, result, task, timing);
                json.WriteEndObject();
            }
        }
        WriteFlows(json, result, track);

        var coreByName = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int r = 0; r < result.ResourceNames.Length; r++)
            if (result.ResourceKinds[r] == ResourceKind.Core) coreByName[result.ResourceNames[r]] = r;
        foreach (var memory in result.Evaluation.Memory)
        {
            var (pid, _) = track[coreByName[CoreOf(memory)]];
            for (int i = 0; i < memory.TimesSeconds.Length; i++)
            {
                json.WriteStartObject();
                json.WriteString("name", $"{memory.Core} memory");
                json.WriteString("ph", "C");
                json.WriteNumber("ts", memory.TimesSeconds[i] * MicrosPerSecond);
                json.WriteNumber("pid", pid);
                json.WriteStartObject("args");
                json.WriteNumber("bytes", memory.Bytes[i]);
                json.WriteEndObject();
                json.WriteEndObject();
            }
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>What a slice says about its task: model, id, waiting, energy by component and bytes (the whole task's on each of its slices).</summary>
    private static void WriteArgs(Utf8JsonWriter json, SimulationResult result, SimTask task, TaskTiming timing)
    {
        json.WriteStartObject("args");
        json.WriteString("model", task.Model);
        json.WriteNumber("id", task.Id);
        json.WriteNumber("waitUs", (timing.StartSeconds - timing.ReadySeconds) * MicrosPerSecond);
        if (task is ComputeTask compute) json.WriteNumber("macs", compute.Macs);
        if (!result.TaskCosts.IsDefaultOrEmpty)
        {
            var cost = result.TaskCosts[task.Id];
            json.WriteNumber("energyJ", cost.Energy.TotalJ);
            json.WriteNumber("computeJ", cost.Energy.ComputeJ);
            json.WriteNumber("onChipMemoryJ", cost.Energy.OnChipMemoryJ);
            json.WriteNumber("offChipMemoryJ", cost.Energy.OffChipMemoryJ);
            json.WriteNumber("interconnectJ", cost.Energy.InterconnectJ);
            json.WriteNumber("dramBytes", cost.DramBytes);
            json.WriteNumber("transferBytes", cost.TransferBytes);
        }
        json.WriteEndObject();
    }

    /// <summary>
    /// One flow arrow per dependency (Chrome's flow events "s" and "f", each at the middle of its slice, so that it binds
    /// to that slice and not to a neighbour ending or starting at the same instant), between the tasks' first tracks. A
    /// task that held no resource (a copy between cores of one chiplet) has no slice to bind to, so its arrows are left out.
    /// </summary>
    private static void WriteFlows(Utf8JsonWriter json, SimulationResult result, (int Pid, int Tid)[] track)
    {
        int flow = 0;
        foreach (var task in result.Graph.Tasks)
        {
            var claims = result.TaskResources[task.Id];
            if (claims.IsEmpty) continue;
            foreach (var d in task.Dependencies)
            {
                var from = result.TaskResources[d];
                if (from.IsEmpty) continue;
                flow++;
                Flow(json, "s", flow, track[from[0]], Middle(result.Timings[d]));
                Flow(json, "f", flow, track[claims[0]], Middle(result.Timings[task.Id]));
            }
        }
    }

    private static double Middle(TaskTiming t) => (t.StartSeconds + t.EndSeconds) / 2;

    private static void Flow(Utf8JsonWriter json, string phase, int id, (int Pid, int Tid) at, double seconds)
    {
        json.WriteStartObject();
        json.WriteString("name", "dependency");
        json.WriteString("cat", "dependency");
        json.WriteString("ph", phase);
        json.WriteNumber("id", id);
        json.WriteNumber("ts", seconds * MicrosPerSecond);
        json.WriteNumber("pid", at.Pid);
        json.WriteNumber("tid", at.Tid);
        if (phase == "f") json.WriteString("bp", "e");
        json.WriteEndObject();
    }

    /// <summary>The core a memory series belongs to: its name up to the level or sharing note ("core0/core0 sram_I2").</summary>
    private static string CoreOf(MemoryOccupancy memory) => memory.Core.Split(' ')[0];

    private static void Metadata(Utf8JsonWriter json, string kind, int pid, int tid, string name)
    {
        json.WriteStartObject();
        json.WriteString("name", kind);
        json.WriteString("ph", "M");
        json.WriteNumber("pid", pid);
        json.WriteNumber("tid", tid);
        json.WriteStartObject("args");
        json.WriteString("name", name);
        json.WriteEndObject();
        json.WriteEndObject();
    }
}
