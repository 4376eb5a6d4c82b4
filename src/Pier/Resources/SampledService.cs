using Pier.Configuration;
using Pier.Supervision;

namespace Pier.Resources;

/// <summary>One service as the sampling sees it each second: its config, the workers it wants and the ones it has.</summary>
internal sealed record SampledService(ServiceConfig Service, int Desired, IReadOnlyList<Worker> Workers);
