import { isProduction } from "./stage";
import { RELAY_PORT } from "./worker-container";

/** The VPC's address range (SST's default, stated so the NAT rule below can use it). */
export const VPC_CIDR = "10.0.0.0/16";

/**
 * The VPC and one security group per kind of client. The API function and the worker get their
 * own groups so the database can admit exactly those two. The API's admits nothing inbound; the
 * worker's admits only the API, on the change relay's port.
 */
export function createNetwork() {
  const vpc = new sst.aws.Vpc("Vpc", {
    // The worker pulls its image and writes logs through NAT from private subnets. `sst dev`
    // deploys no container and runs the API locally, so it needs none.
    nat: $dev ? undefined : isProduction() ? "managed" : "ec2",
    transform: {
      vpc: (args) => {
        args.cidrBlock = VPC_CIDR;
      },
      natSecurityGroup: (args) => {
        // A NAT instance forwards for the VPC only. SST's default admits every port from the
        // whole internet to an instance with a public IP.
        args.ingress = [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: [VPC_CIDR] }];
      },
    },
  });
  const outbound = [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }];
  const apiSecurityGroup = new aws.ec2.SecurityGroup("ApiSecurityGroup", {
    vpcId: vpc.id,
    description: "API Lambda: no inbound; outbound to the database",
    egress: outbound,
  });
  const workerSecurityGroup = new aws.ec2.SecurityGroup("WorkerSecurityGroup", {
    vpcId: vpc.id,
    description: "Worker tasks: the API to the relay; outbound to the database, ECR, logs, secrets",
    ingress: [
      {
        description: "API to the change relay",
        protocol: "tcp",
        fromPort: RELAY_PORT,
        toPort: RELAY_PORT,
        securityGroups: [apiSecurityGroup.id],
      },
    ],
    egress: outbound,
  });
  return { vpc, apiSecurityGroup, workerSecurityGroup };
}

export type Network = ReturnType<typeof createNetwork>;
