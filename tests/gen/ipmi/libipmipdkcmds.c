/*
 * libipmipdkcmds.c - an AMI MegaRAC-style OEM (PDK) command library for the
 * ipmi engine tests: the OEM handler table oem_MsgHndlrTbl and the PDK
 * command-select table Netfntbl, which enables or disables commands.
 *
 * Built twice: -DYAFU_STATUS=ENABLED (vulnerable to CVE-2023-34335: NetFn
 * 0x32 commands 0x22/0x23/0x24 reachable) and -DYAFU_STATUS=DISABLED (the
 * patched configuration).
 *
 * What the engine must find here (ipmi_test.py holds the same list):
 *   NetFn 0x2E (OEM)   0x01 admin   OemGetBoardInfo  local (static)
 *                      0x02 none    OemSetLed        imported: no privilege
 *   NetFn 0x30 (OPMA)  0x10 local   OpmaGetSlotId    exported
 *   Netfntbl: AMI 0x22/0x23/0x24 YAFU_STATUS, 0x70 ENABLED; OEM 0x01, 0x02
 *   ENABLED.
 */
#include "ami_ipmi.h"

#ifndef YAFU_STATUS
#error "build with -DYAFU_STATUS=ENABLED or -DYAFU_STATUS=DISABLED"
#endif

extern int OemSetLed(const INT8U *pReq, INT8U ReqLen, INT8U *pRes, int BMCInst);
int OpmaGetSlotId(const INT8U *pReq, INT8U ReqLen, INT8U *pRes, int BMCInst);

static int OemGetBoardInfo(const INT8U *pReq, INT8U ReqLen, INT8U *pRes, int BMCInst)
{
	(void)pReq;
	(void)ReqLen;
	pRes[0] = 0;
	pRes[1] = (INT8U)BMCInst;
	pRes[2] = 0x2E;
	return 3;
}

int OpmaGetSlotId(const INT8U *pReq, INT8U ReqLen, INT8U *pRes, int BMCInst)
{
	(void)BMCInst;
	pRes[0] = 0;
	pRes[1] = pReq[0] ^ ReqLen;
	return 2;
}

static const CmdHndlrMap_T g_Oem_CmdHndlr[] = {
	CMD(0x01, PRIV_ADMIN, OemGetBoardInfo, 0x00),
	CMD(0x02, PRIV_NONE, OemSetLed, 0x01),
	CMD_END,
};

static const CmdHndlrMap_T g_Opma_CmdHndlr[] = {
	CMD(0x10, PRIV_LOCAL, OpmaGetSlotId, ANY_LEN),
	CMD_END,
};

const MsgHndlrTbl_T oem_MsgHndlrTbl[] = {
	{ 0x2E, g_Oem_CmdHndlr },
	{ 0x30, g_Opma_CmdHndlr },
	{ 0, NULL },
};

static const NetFnCmds_T g_AMI_NetFnCmds[] = {
	NFC(0x22, YAFU_STATUS),
	NFC(0x23, YAFU_STATUS),
	NFC(0x24, YAFU_STATUS),
	NFC(0x70, ENABLED),
	{ 0 },
};

static const NetFnCmds_T g_Oem_NetFnCmds[] = {
	NFC(0x01, ENABLED),
	NFC(0x02, ENABLED),
	{ 0 },
};

const NETFNTable_T Netfntbl[] = {
	{ 0x32, 0, g_AMI_NetFnCmds },
	{ 0x2E, 0, g_Oem_NetFnCmds },
	{ 0, 0, NULL },
};
