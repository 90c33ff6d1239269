using Microsoft.Data.Sqlite;
using Tessera.Reports;
using Tessera.Sweeps;
using Tessera.Tests.Cli;
using static Tessera.Tests.Sweeps.SweepStores;

namespace Tessera.Tests.Sweeps;

/// <summary>`tessera sweep`: points and their ids, jobs, shards, merge and the refusals, in-process.</summary>
public sealed class SweepTests
{
    [Fact]
    public void The_product_has_one_point_per_combination_in_order_with_ids_that_name_the_configuration()
    {
        var spec = SweepLoader.Load(Spec(FourAxes));
        Assert.Equal(3 * 2 * 2 * 2, spec.Points.Length);
        Assert.Equal(spec.Points.Length, spec.Points.Select(p => p.Id).Distinct().Count());
        // The last axis varies fastest.
        Assert.Equal("hardware=scar-2x2-het batch=1 memory=HBM3 scheduler=greedy", spec.Points[0].Label);
        Assert.Equal("hardware=scar-2x2-het batch=1 memory=HBM3 scheduler=single-core", spec.Points[1].Label);
        Assert.Equal("hardware=scar-2x2-os batch=2 memory=LPDDR5 scheduler=single-core", spec.Points[^1].Label);
        Assert.Equal(2, spec.Points[^1].Scenario.Models[0].Batch);
        Assert.Equal("LPDDR5", spec.Points[^1].Scenario.HardwareOverrides.MemoryType);

        // The id depends on the configuration, not on where its files are: the same model bytes elsewhere give the same ids.
        var moved = Directory.CreateTempSubdirectory("tessera-sweep-moved-").FullName;
        File.Copy(TestData.Shared("data", "onnx", "2_conv.onnx"), Path.Combine(moved, "copy.onnx"));
        File.WriteAllText(Path.Combine(moved, "base.yaml"), "name: renamed\nhardware: scar-2x2-het\nmodels:\n  - model: copy.onnx\n");
        File.WriteAllText(Path.Combine(moved, "sweep.yaml"), File.ReadAllText(Spec(FourAxes)).Replace("name: tiny", "name: other", StringComparison.Ordinal));
        var elsewhere = SweepLoader.Load(Path.Combine(moved, "sweep.yaml"));
        Assert.Equal(spec.Points.Select(p => p.Id), elsewhere.Points.Select(p => p.Id));
        Assert.Equal(spec.Id, elsewhere.Id);

        // A cost model with other parameters (another identity under the same name) is another point: a store made
        // before it changed is not taken as done.
        var scenario = spec.Points[0].Scenario;
        Assert.NotEqual(SweepSpec.PointId(scenario, f => f, _ => "loopnest v1"), SweepSpec.PointId(scenario, f => f, _ => "loopnest v2"));
    }

    [Fact]
    public void Shards_partition_the_points_by_id()
    {
        var spec = SweepLoader.Load(Spec());
        var shards = Enumerable.Range(1, 3).Select(i => spec.Shard(i, 3)).ToList();
        Assert.Equal(spec.Points.Select(p => p.Index), shards.SelectMany(s => s).Select(p => p.Index).Order());
        Assert.All(shards, s => Assert.NotEmpty(s));
        Assert.All(shards[1], p => Assert.Equal(2, (int)(Convert.ToUInt64(p.Id[..15], 16) % 3) + 1));
    }

    [Fact]
    public void Jobs_1_and_jobs_4_write_the_same_store_row_for_row()
    {
        var spec = Spec(FourAxes);
        var (one, four) = (NewStore(), NewStore());
        var serial = Sweep(spec, "--jobs", "1", "--store", one, "--json");
        var parallel = Sweep(spec, "--jobs", "4", "--store", four, "--json");
        var rows = Rows(one);
        Assert.Equal(24, rows.Count);
        Assert.Equal(rows, Rows(four));
        Assert.Equal(serial.Json.GetProperty("points").ToString(), parallel.Json.GetProperty("points").ToString());
    }

    [Fact]
    public void Three_shards_merged_equal_the_sweep_run_whole()
    {
        var spec = Spec();
        var whole = NewStore();
        Sweep(spec, "--jobs", "2", "--store", whole);
        var shards = Enumerable.Range(1, 3).Select(_ => NewStore()).ToList();
        for (int i = 0; i < 3; i++) Sweep(spec, "--shard", $"{i + 1}/3", "--jobs", "2", "--store", shards[i]);
        Assert.All(shards, s => Assert.InRange(Rows(s).Count, 1, 11));
        var merged = NewStore();
        var r = CliRunner.Run(["results", "merge", .. shards, "-o", merged]);
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Equal(Rows(whole), Rows(merged));
        // Merging a shard with the whole run keeps each point once, as their results agree.
        var again = NewStore();
        Assert.Equal(0, CliRunner.Run("results", "merge", shards[0], whole, "-o", again).ExitCode);
        Assert.Equal(Rows(whole).Order(), Rows(again).Order());
    }

    [Fact]
    public void A_rerun_with_the_same_store_runs_only_the_points_it_lacks()
    {
        var spec = Spec();
        var store = NewStore();
        Sweep(spec, "--shard", "1/2", "--store", store);
        int first = Rows(store).Count;
        var whole = NewStore();
        Sweep(spec, "--store", whole);
        // The shard's points are kept, the others appended; the rerun reports which it ran.
        var rerun = Sweep(spec, "--store", store, "--json");
        var points = rerun.Json.GetProperty("points").EnumerateArray().ToList();
        Assert.Equal(12, points.Count);
        Assert.Equal(first, points.Count(p => p.GetProperty("resumed").GetBoolean()));
        Assert.Equal(Rows(whole).Order(), Rows(store).Order());
        Assert.Equal(12, Rows(store).Count);
    }

    [Fact]
    public void Merging_shards_of_different_sweeps_exits_2_and_differing_results_name_the_point()
    {
        var (a, b) = (NewStore(), NewStore());
        Sweep(Spec(), "--shard", "1/3", "--store", a);
        Sweep(Spec("  hardware: [scar-2x2-het]\n  batch: [1, 4]\n"), "--store", b);
        var merged = NewStore();
        var r = CliRunner.Run("results", "merge", a, b, "-o", merged);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("shards of different sweep specs", r.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(merged));

        // The same point with another latency in a second shard: flagged by its id, and nothing written.
        var copy = NewStore();
        File.Copy(a, copy);
        var point = new ResultStore(copy).List()[0].Point;
        using (var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = copy, Pooling = false }.ToString()))
        {
            db.Open();
            using var c = db.CreateCommand();
            c.CommandText = "UPDATE metrics SET value = value * 2 WHERE name = 'latency' AND run = 1";
            Assert.Equal(1, c.ExecuteNonQuery());
        }
        r = CliRunner.Run("results", "merge", a, copy, "-o", merged);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"point {point}", r.Error, StringComparison.Ordinal);
        Assert.Contains("latency", r.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(merged));
    }

    [Fact]
    public void Bad_sweeps_exit_2_naming_the_place_before_any_point_runs()
    {
        static void Refused(string[] args, params string[] expected)
        {
            var r = CliRunner.Run(["sweep", .. args, "--progress", "none"]);
            Assert.True(r.ExitCode == 2, $"{r.ExitCode}: {r.Error}");
            foreach (var e in expected) Assert.Contains(e, r.Error, StringComparison.Ordinal);
        }
        Refused([Spec("  hardwar: [scar-2x2-het]\n")], "sweep.yaml:4:3", "unknown axis 'hardwar'", "did you mean 'hardware'");
        Refused([Spec("  batch: []\n")], "sweep.yaml:4:10", "product is empty");
        Refused([Spec("  memory: [HBM4]\n")], "sweep.yaml:4:12", "unknown memory type 'HBM4'", "did you mean 'HBM3'");
        Refused([Spec("  batch: [1, 1]\n")], "lists 1 twice");
        Refused([Spec("  buffer: [1e30 B]\n")], "sweep.yaml:4:12", "buffer 1e30 B");
        // A batch-1 model cut into mini-batches of at most one sample either way: two values, one configuration.
        Refused([Spec("  partition: [pipelined]\n  minibatch_size: [1, 2]\n")], "points 1 (partition=pipelined minibatch_size=1) and 2", "same configuration");
        Refused([Spec(), "--shard", "0/3"], "outside 1..3");
        Refused([Spec(), "--shard", "4/3"], "outside 1..3");
        // A setting that does not apply to a point's scheduler is found before anything runs: nothing is stored.
        var store = NewStore();
        Refused([Spec("  scheduler: [greedy, exact]\n  population: [4]\n"), "--store", store], "point 1 (scheduler=greedy population=4)", "population");
        Assert.False(File.Exists(store));
        // A store holding another sweep's points is refused and left as it was.
        Sweep(Spec("  batch: [1]\n"), "--store", store);
        var before = File.ReadAllBytes(store);
        Refused([Spec("  batch: [2]\n"), "--store", store], "holds the points of sweep");
        Assert.Equal(before, File.ReadAllBytes(store));
    }

    [Fact]
    public void A_seeded_sample_draws_the_same_distinct_points_from_the_product()
    {
        static string Sampled(int seed)
        {
            var path = Spec("  batch: [1, 2, 3, 4, 5, 6, 7, 8]\n  bits: [4, 8, 16]\n");
            File.WriteAllText(path, File.ReadAllText(path).Replace("axes:", $"sample: {{count: 5, seed: {seed}}}\naxes:", StringComparison.Ordinal));
            return path;
        }
        var spec = SweepLoader.Load(Sampled(1));
        Assert.Equal(5, spec.Points.Length);
        Assert.Equal(5, spec.Points.Select(p => p.Label).Distinct().Count());
        Assert.Equal(spec.Points.Select(p => p.Id), SweepLoader.Load(Sampled(1)).Points.Select(p => p.Id));
        Assert.NotEqual(spec.Points.Select(p => p.Id), SweepLoader.Load(Sampled(2)).Points.Select(p => p.Id));
        // Every sampled point is a point of the product.
        var product = SweepLoader.Load(Spec("  batch: [1, 2, 3, 4, 5, 6, 7, 8]\n  bits: [4, 8, 16]\n")).Points.Select(p => p.Id).ToHashSet();
        Assert.All(spec.Points, p => Assert.Contains(p.Id, product));
    }

    [Fact]
    public void Listed_points_run_as_given_and_vary_as_one_axis_across_the_others()
    {
        var folder = Path.GetDirectoryName(Spec())!;
        var file = Path.Combine(folder, "list.yaml");
        File.WriteAllText(file, "base: base.yaml\npoints:\n  - {hardware: scar-2x2-ws, batch: 2}\n  - {memory: HBM3}\n");
        var spec = SweepLoader.Load(file);
        Assert.Equal(["hardware=scar-2x2-ws batch=2", "memory=HBM3"], spec.Points.Select(p => p.Label));
        Assert.Equal("scar-2x2-het", spec.Points[1].Scenario.Hardware);
        Assert.Equal(["hardware", "batch", "memory"], spec.Keys.AsEnumerable());

        File.AppendAllText(file, "axes:\n  bits: [8, 16]\n");
        Assert.Equal(["hardware=scar-2x2-ws batch=2 bits=8", "hardware=scar-2x2-ws batch=2 bits=16", "memory=HBM3 bits=8", "memory=HBM3 bits=16"],
            SweepLoader.Load(file).Points.Select(p => p.Label));
        File.AppendAllText(file, "  batch: [1]\n");
        Assert.Contains("axis batch is also set", Assert.Throws<Tessera.Diagnostics.TesseraInputException>(() => SweepLoader.Load(file)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_example_sweeps_load_with_the_points_their_comments_count()
    {
        Assert.Equal(10, SweepLoader.Load(TestData.Repository("examples", "sweeps", "scar-package-size.yaml")).Points.Length);
        var llm = SweepLoader.Load(TestData.Repository("examples", "sweeps", "llm-chiplets-memory.yaml"));
        Assert.Equal(18, llm.Points.Length);
        Assert.All(llm.Points, p => Assert.Equal(p.Scenario.Hardware switch { "scar-2x2-het" => 4, "scar-3x3-het" => 9, _ => 36 }, p.Scenario.TensorParallelWays));
    }
}
