using Tessera.Reports;
using Tessera.Tests.Cli;

namespace Tessera.Tests.Sweeps;

/// <summary>Small sweeps on a two-convolution model and what their stores hold, compared row by row.</summary>
internal static class SweepStores
{
    /// <summary>Packages, batches and memory types: 3 × 2 × 2 = 12 points.</summary>
    public const string ThreeAxes = """
          hardware: [scar-2x2-het, scar-2x2-ws, scar-2x2-os]
          batch: [1, 2]
          memory: [HBM3, LPDDR5]

        """;

    /// <summary>The three axes and two schedulers: 24 points.</summary>
    public const string FourAxes = ThreeAxes + "  scheduler: [greedy, single-core]\n";

    /// <summary>A sweep file named tiny over <paramref name="axes"/>, with its base scenario (a two-convolution ONNX model) beside it.</summary>
    public static string Spec(string axes = ThreeAxes)
    {
        var folder = Directory.CreateTempSubdirectory("tessera-sweep-").FullName;
        File.WriteAllText(Path.Combine(folder, "base.yaml"),
            $"name: two-conv\nhardware: scar-2x2-het\nmodels:\n  - model: {TestData.Shared("data", "onnx", "2_conv.onnx")}\n");
        var spec = Path.Combine(folder, "sweep.yaml");
        File.WriteAllText(spec, $"name: tiny\nbase: base.yaml\naxes:\n{axes}");
        return spec;
    }

    public static string NewStore() => Path.Combine(Path.GetTempPath(), $"tessera-sweep-{Guid.NewGuid():N}.db");

    /// <summary>
    /// Every run of a store as one line in store order: what it is (point, kind, name, sweep, position) and everything it
    /// computed (feasibility, metrics, every table cell), without when or by which command line it ran.
    /// </summary>
    public static List<string> Rows(string path)
    {
        var store = new ResultStore(path);
        return [.. store.List().Select(r =>
        {
            var tables = store.Show(r.Id).Tables.Select(t => $"{t.Title}[{string.Join(";", t.Notes)}]" +
                string.Join("/", t.Rows.Select(row => string.Join(",", row.Select(v => v.Text ?? v.Number.ToString("R", System.Globalization.CultureInfo.InvariantCulture))))));
            return $"{r.Point} {r.Kind} {r.Name} {r.Sweep}#{r.SweepIndex} {r.Feasible} " +
                string.Join(",", r.Metrics.Select(m => $"{m.Name}={m.Value:R}")) + " " + string.Join(" ", tables);
        })];
    }

    /// <summary>Runs the sweep in-process and asserts it succeeded.</summary>
    public static CliRunner.Outcome Sweep(params string[] args)
    {
        var r = CliRunner.Run(["sweep", .. args, "--progress", "none"]);
        Assert.True(r.ExitCode == 0, r.Error);
        return r;
    }
}
