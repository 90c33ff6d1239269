using System.Text.Json;
using Tessera.Evaluation;
using Tessera.Scheduling;

namespace Tessera.Simulation;

/// <summary>
/// Writes a simulated schedule as Chrome/Perfetto trace JSON (open it in ui.perfetto.dev): one process per
/// chiplet (a thread per core, plus a counter of each core's on-chip memory), one for the DRAM devices and one
/// for the package links (a thread per device and per directed link). Tasks are complete events in µs.
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
            var category = task switch { ComputeTask => "compute", TransferTask => "transfer", _ => "dram" };
            foreach (var r in result.TaskResources[task.Id])
            {
                json.WriteStartObject();
                json.WriteString("name", task.Name);
                json.WriteString("cat", category);
                json.WriteString("ph", "X");
                json.WriteNumber("ts", timing.StartSeconds * MicrosPerSecond);
                json.WriteNumber("dur", (timing.EndSeconds - timing.StartSeconds) * MicrosPerSecond);
                json.WriteNumber("pid", track[r].Pid);
                json.WriteNumber("tid", track[r].Tid);
                json.WriteStartObject("args");
                json.WriteString("model", task.Model);
                json.WriteNumber("id", task.Id);
                json.WriteNumber("waitUs", (timing.StartSeconds - timing.ReadySeconds) * MicrosPerSecond);
                json.WriteEndObject();
                json.WriteEndObject();
            }
        }

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
