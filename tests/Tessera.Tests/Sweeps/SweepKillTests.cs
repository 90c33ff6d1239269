using System.Diagnostics;
using Tessera.Reports;
using static Tessera.Tests.Sweeps.SweepStores;

namespace Tessera.Tests.Sweeps;

/// <summary>A sweep run as a real `tessera` process, killed with SIGKILL part-way, then resumed.</summary>
public sealed class SweepKillTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    /// <summary>The built command next to the test binaries (the test project references the CLI project).</summary>
    private static ProcessStartInfo Tessera(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "tessera.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])[dll, "sweep", .. args, "--progress", "none"]) start.ArgumentList.Add(a);
        return start;
    }

    private static void RunToEnd(params string[] args)
    {
        using var process = Process.Start(Tessera(args))!;
        var error = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        Assert.True(process.WaitForExit(Patience), "the sweep took too long");
        Assert.True(process.ExitCode == 0, error.Result);
    }

    private static int Stored(string store) => File.Exists(store) && new FileInfo(store).Length > 0 ? new ResultStore(store).List().Length : 0;

    [Fact]
    public void A_sweep_killed_mid_way_and_resumed_equals_the_uninterrupted_one()
    {
        // 24 points of about 0.1 s each: long enough to kill the process between its first points and its last.
        var spec = Spec("""
              hardware: [scar-2x2-het, scar-2x2-ws, scar-2x2-os]
              batch: [1, 2, 4, 8]
              memory: [HBM3, LPDDR5]
            """);
        var (killed, whole) = (NewStore(), NewStore());
        using (var process = Process.Start(Tessera(spec, "--store", killed, "--jobs", "2"))!)
        {
            _ = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            var clock = Stopwatch.StartNew();
            while (Stored(killed) < 3 && !process.HasExited && clock.Elapsed < Patience) Thread.Sleep(20);
            process.Kill();
            process.WaitForExit();
        }
        var survived = Rows(killed);
        Assert.InRange(survived.Count, 3, 23);

        RunToEnd(spec, "--store", whole, "--jobs", "1");
        var uninterrupted = Rows(whole);
        // What the kill left opens as a store and holds the first points of the sweep, in order, and none half-written.
        Assert.Equal(uninterrupted.Take(survived.Count), survived);

        RunToEnd(spec, "--store", killed, "--jobs", "2");
        Assert.Equal(uninterrupted, Rows(killed));
    }
}
