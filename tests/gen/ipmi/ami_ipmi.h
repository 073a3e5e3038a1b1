/*
 * ami_ipmi.h - AMI MegaRAC SPx-style IPMI command tables, for the tests of
 * fwguard's ipmi engine (docs/findings.md, shared REFERENCE "AMI
 * MegaRAC IPMI handler tables").  Written from the published layouts: the
 * field order and widths are what the engine decodes; the compiler lays
 * them out with the target ABI's natural alignment, which gives
 *
 *                     ARM32 (4-byte pointers)   AArch64 (8-byte pointers)
 *   CmdHndlrMap_T     16 bytes: cmd +0,         24 bytes: cmd +0, priv +1,
 *                     priv +1, handler +4,      handler +8, reqlen +16,
 *                     reqlen +8, 0xAAAA +0xA,   0xAAAA +18, mask +20
 *                     mask +0xC
 *     (AMI_LEGACY:    12 bytes, no mask)        (24 bytes, no mask)
 *   MsgHndlrTbl_T     8: netfn +0, map +4       16: netfn +0, map +8
 *   NETFNTable_T      8: netfn, group ext, +4   16: netfn, group ext, +8
 *   NetFnCmds_T       3: cmd, status, mask      (AMI_LEGACY: 2: cmd, status)
 *
 * build.sh checks these sizes with _Static_assert through AMI_ABI_CHECK.
 */
#ifndef AMI_IPMI_H
#define AMI_IPMI_H

#include <stddef.h>

typedef unsigned char INT8U;
typedef unsigned short INT16U;

typedef int (*pCmdHndlr_T)(const INT8U *pReq, INT8U ReqLen, INT8U *pRes, int BMCInst);

#define PRIV_NONE 0x00
#define PRIV_CALLBACK 0x01
#define PRIV_USER 0x02
#define PRIV_OPERATOR 0x03
#define PRIV_ADMIN 0x04
#define PRIV_OEM 0x05
#define PRIV_LOCAL 0x81
#define PRIV_SYS_IFC 0x82

#define ANY_LEN 0xFF
#define FF_CONFIG 0xAAAA
#define IFC_ALL 0xFFFF

#define ENABLED 0x01
#define DISABLED 0xFF
#define NONE 0x00

typedef struct {
	INT8U Cmd;
	INT8U Privilege;
	pCmdHndlr_T CmdHndlr;
	INT16U ReqLen;
	INT16U FFConfig;
#ifndef AMI_LEGACY
	INT16U IfcSupport;
#endif
} CmdHndlrMap_T;

typedef struct {
	INT8U NetFn;
	const CmdHndlrMap_T *CmdHndlrMap;
} MsgHndlrTbl_T;

typedef struct {
	INT8U CmdNum;
	INT8U Status;
#ifndef AMI_LEGACY
	INT8U Mask;
#endif
} NetFnCmds_T;

typedef struct {
	INT8U NetFn;
	INT8U GroupExtCode;
	const NetFnCmds_T *NetFnCmds;
} NETFNTable_T;

#ifdef AMI_LEGACY
#define CMD(c, p, h, l) { (c), (p), (h), (l), FF_CONFIG }
#define NFC(c, s) { (c), (s) }
#else
#define CMD(c, p, h, l) { (c), (p), (h), (l), FF_CONFIG, IFC_ALL }
#define NFC(c, s) { (c), (s), NONE }
#endif
#define CMD_END { 0 }

#if defined(__aarch64__)
#define PTR_SIZE 8
#else
#define PTR_SIZE 4
#endif

/* The layouts above, as the engine expects them. */
_Static_assert(sizeof(MsgHndlrTbl_T) == 2 * PTR_SIZE, "MsgHndlrTbl_T size");
_Static_assert(offsetof(MsgHndlrTbl_T, CmdHndlrMap) == PTR_SIZE, "MsgHndlrTbl_T map");
_Static_assert(offsetof(NETFNTable_T, NetFnCmds) == PTR_SIZE, "NETFNTable_T cmds");
_Static_assert(offsetof(CmdHndlrMap_T, CmdHndlr) == PTR_SIZE, "CmdHndlrMap_T handler");
_Static_assert(offsetof(CmdHndlrMap_T, ReqLen) == 2 * PTR_SIZE, "CmdHndlrMap_T reqlen");
_Static_assert(offsetof(CmdHndlrMap_T, FFConfig) == 2 * PTR_SIZE + 2, "CmdHndlrMap_T marker");
#ifdef AMI_LEGACY
_Static_assert(sizeof(CmdHndlrMap_T) == (PTR_SIZE == 4 ? 12 : 24), "CmdHndlrMap_T size");
_Static_assert(sizeof(NetFnCmds_T) == 2, "NetFnCmds_T size");
#else
_Static_assert(offsetof(CmdHndlrMap_T, IfcSupport) == 2 * PTR_SIZE + 4, "CmdHndlrMap_T mask");
_Static_assert(sizeof(CmdHndlrMap_T) == (PTR_SIZE == 4 ? 16 : 24), "CmdHndlrMap_T size");
_Static_assert(sizeof(NetFnCmds_T) == 3, "NetFnCmds_T size");
#endif

#endif
