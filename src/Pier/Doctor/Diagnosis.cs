using System.Diagnostics;
using System.Net;
using System.Net.NetworkInformation;
using Pier.Configuration;
using Pier.Os;

namespace Pier.Doctor;

/// <summary>
/// `pier doctor`: the things on this host that break a deployment of the config, each checked
/// with what the kernel reports (/proc, /sys) and said with its fix.
/// </summary>
internal sealed class Diagnosis(PierConfig config)
{
    private static readonly TimeSpan DnsTimeout = TimeSpan.FromSeconds(3);

    public async Task<IReadOnlyList<CheckResult>> RunAsync()
    {
        var results = new List<CheckResult> { Port() };
        results.AddRange(await DnsAsync());
        results.Add(Clock());
        results.Add(Memory());
        results.Add(OpenFiles());
        results.Add(Cgroups());
        results.Add(StateDirectory());
        return results;
    }

    private int Workers => config.Services.Sum(s => s.Workers);

    private CheckResult Port()
    {
        var port = config.Listen.HttpPort;
        const string check = "listen";
        if (port < 1024 && UnixUser.EffectiveUid != 0)
            return new CheckResult(check, CheckStatus.Fail, $"port {port} needs root or CAP_NET_BIND_SERVICE, and this runs as uid {UnixUser.EffectiveUid}",
                $"run Pier as root (pier install does), or set listen.http to a port from 1024 in {config.FilePath}");
        var holders = PortHolders.Find(port);
        if (holders is null)
            return new CheckResult(check, CheckStatus.Ok, $"port {port} is free");
        var ours = RunningPier();
        if (ours is not null && holders.Any(h => h.Pid == ours))
            return new CheckResult(check, CheckStatus.Ok, $"port {port} is held by this config's running Pier (PID {ours})");
        var who = holders.Count == 0 ? "a process of another user (run doctor as root to see which)"
            : string.Join(", ", holders.Select(h => $"PID {h.Pid} ({h.Command})"));
        return new CheckResult(check, CheckStatus.Fail, $"port {port} is held by {who}",
            $"stop it, or change listen.http in {config.FilePath}");
    }

    /// <summary>The PID in the instance lock when that Pier is still alive.</summary>
    private int? RunningPier()
    {
        try
        {
            return int.TryParse(File.ReadAllText(Path.Combine(config.StateDirectory, "pier.lock")).Trim(), out var pid)
                && ProcessTable.TryRead(pid) is not null ? pid : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private async Task<IEnumerable<CheckResult>> DnsAsync()
    {
        if (config.Https is not { Domains.Count: > 0 } https)
            return [new CheckResult("dns", CheckStatus.Skip, "no https domains in the config")];
        var own = NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(i => i.GetIPProperties().UnicastAddresses).Select(a => a.Address).ToHashSet();
        var results = new List<CheckResult>();
        foreach (var domain in https.Domains)
        {
            IPAddress[] answers;
            try
            {
                answers = await Dns.GetHostAddressesAsync(domain).WaitAsync(DnsTimeout);
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or TimeoutException)
            {
                results.Add(new CheckResult("dns", CheckStatus.Skip, $"{domain}: no DNS answer here ({e.Message}); cannot compare"));
                continue;
            }
            results.Add(answers.Any(own.Contains)
                ? new CheckResult("dns", CheckStatus.Ok, $"{domain} points at this host ({string.Join(", ", answers.Where(own.Contains))})")
                : new CheckResult("dns", CheckStatus.Warn, $"{domain} points at {string.Join(", ", answers.Select(a => a.ToString()))}, not at an address of this host",
                    "point its A/AAAA records here; behind NAT or a load balancer this is expected, and ACME needs port 80 or 443 forwarded"));
        }
        return results;
    }

    private static CheckResult Clock()
    {
        const string check = "clock";
        var synchronised = TimedatectlSynchronised();
        if (synchronised is null && File.Exists("/run/systemd/timesync/synchronized"))
            synchronised = true;
        return synchronised switch
        {
            true => new CheckResult(check, CheckStatus.Ok, "the system clock is NTP-synchronised"),
            false => new CheckResult(check, CheckStatus.Warn, "the system clock is not NTP-synchronised; certificates and logs depend on it",
                "timedatectl set-ntp true (or run chrony/ntpd)"),
            null => new CheckResult(check, CheckStatus.Skip, "unknown whether the clock is NTP-synchronised (no timedatectl answer, no /run/systemd/timesync)"),
        };
    }

    private static bool? TimedatectlSynchronised()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("timedatectl", ["show", "-p", "NTPSynchronized", "--value"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            });
            if (process is null)
                return null;
            var output = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(5)))
            {
                process.Kill();
                return null;
            }
            return process.ExitCode != 0 ? null : output.Result.Trim() switch { "yes" => true, "no" => false, _ => null };
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    private CheckResult Memory()
    {
        const string check = "memory";
        long? available = MemoryInfo.Read().AvailableBytes is > 0 and var bytes ? bytes : null;
        var sized = config.Services.Where(s => (s.Memory?.Expect ?? s.Memory?.Limit) is not null).ToList();
        if (available is null)
            return new CheckResult(check, CheckStatus.Skip, "no MemAvailable in /proc/meminfo");
        if (sized.Count == 0)
            return new CheckResult(check, CheckStatus.Ok, $"{Mib(available.Value)} available; no service sets memory.expect or memory.limit to compare with");
        var need = sized.Sum(s => s.Workers * (s.Memory!.Expect ?? s.Memory.Limit!.Value));
        var detail = string.Join(", ", sized.Select(s => $"{s.Name} {s.Workers} × {Mib(s.Memory!.Expect ?? s.Memory.Limit!.Value)}"));
        if (need > available)
            return new CheckResult(check, CheckStatus.Fail, $"the workers need {Mib(need)} ({detail}) but {Mib(available.Value)} is available",
                "fewer workers, a smaller memory.expect, or more RAM");
        return need > available * 0.8
            ? new CheckResult(check, CheckStatus.Warn, $"the workers need {Mib(need)} ({detail}) of {Mib(available.Value)} available, little to spare for deploys (max_surge)",
                "fewer workers or more RAM")
            : new CheckResult(check, CheckStatus.Ok, $"the workers need {Mib(need)} ({detail}); {Mib(available.Value)} available");
    }

    private CheckResult OpenFiles()
    {
        const string check = "open files";
        if (ProcessLimits.OpenFiles() is not var (soft, hard))
            return new CheckResult(check, CheckStatus.Skip, "no open-file limit in /proc/self/limits");
        // Each proxied request holds two sockets; a worker's pipes and a few hundred connections each is the floor.
        var need = 1024 + Workers * 256L;
        var text = $"soft limit {soft}, hard {hard}, for {Workers} worker(s)";
        return soft >= need
            ? new CheckResult(check, CheckStatus.Ok, text)
            : new CheckResult(check, CheckStatus.Warn, $"{text}: under load the front door may run out of sockets (wants {need} or more)",
                "LimitNOFILE=65536 in the systemd unit, or `ulimit -n 65536` before pier up");
    }

    private CheckResult Cgroups()
    {
        const string check = "cgroups";
        var hard = config.Services.Any(s => s.Memory?.Hard is not null);
        string? path = null, version = null;
        if (CgroupFs.UnifiedHasMemory)
            (path, version) = (CgroupFs.Unified, "v2");
        else if (CgroupFs.MemoryV1Mounted)
            (path, version) = (CgroupFs.MemoryV1, "v1");
        var failing = hard ? CheckStatus.Fail : CheckStatus.Warn;
        if (path is null)
            return new CheckResult(check, failing, "no cgroup memory controller (neither v2 with memory nor v1 memory)",
                "memory.hard needs one; without it Pier still measures and recycles workers");
        return UnixFile.IsWritable(path)
            ? new CheckResult(check, CheckStatus.Ok, $"cgroup {version} memory controller at {path}, writable")
            : new CheckResult(check, failing, $"cgroup {version} memory controller at {path} is not writable by uid {UnixUser.EffectiveUid}",
                "run Pier as root or under systemd with Delegate=yes, for memory.hard");
    }

    private CheckResult StateDirectory()
    {
        const string check = "state";
        var state = config.StateDirectory;
        if (!Directory.Exists(state))
        {
            var parent = Path.GetDirectoryName(state)!;
            return Directory.Exists(parent) && UnixFile.IsWritable(parent)
                ? new CheckResult(check, CheckStatus.Ok, $"{state} does not exist yet and can be created")
                : new CheckResult(check, CheckStatus.Fail, $"{state} does not exist and cannot be created in {parent}",
                    $"create it for uid {UnixUser.EffectiveUid}, or set `state:` in {config.FilePath}");
        }
        var owner = UnixFile.Owner(state);
        if (owner is not null && owner != UnixUser.EffectiveUid)
            return new CheckResult(check, CheckStatus.Fail, $"{state} belongs to uid {owner}, not to this uid {UnixUser.EffectiveUid}",
                $"chown -R {UnixUser.EffectiveUid} {state}, or run Pier as its owner");
        if ((File.GetUnixFileMode(state) & UnixFileMode.OtherWrite) != 0)
            return new CheckResult(check, CheckStatus.Fail, $"{state} is world-writable: anyone could replace its control socket or logs",
                $"chmod 700 {state}");
        return UnixFile.IsWritable(state)
            ? new CheckResult(check, CheckStatus.Ok, $"{state} is ours and private")
            : new CheckResult(check, CheckStatus.Fail, $"{state} is not writable", $"chmod u+rwx {state}");
    }

    private static string Mib(double bytes) => $"{bytes / (1 << 20):0} MiB";
}
