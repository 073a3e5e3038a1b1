/*
 * libipmimsghndlr.c - an AMI MegaRAC-style message-handler library for the
 * ipmi engine tests: the core table m_MsgHndlrTbl (NetFn -> command map)
 * and the core command-select table CoreNetfntbl.
 *
 * What the engine must find here (ipmi_test.py holds the same list):
 *   NetFn 0x06 (App)      0x01 user      GetDevID          local (static)
 *                         0x02 admin     ColdReset         imported (libipmicore.so)
 *                         0x38 none      GetChAuthCap      local; pre-session by spec
 *   NetFn 0x0A (Storage)  0x10 operator  GetFRUAreaInfo    imported
 *                         0x11 user      ReadFRUData       exported
 *   NetFn 0x32 (AMI)      0x22 admin     AMIYAFUReadFlash  exported  } CVE-2023-34335
 *                         0x23 admin     AMIYAFUWriteFlash exported  } unless DISABLED in
 *                         0x24 admin     AMIYAFUEraseFlash exported  } Netfntbl
 *                         0x70 none      AMIGetFruDetails  local: no privilege
 *   CoreNetfntbl: App 0x01, 0x38 ENABLED, 0x02 DISABLED (so ColdReset is
 *   listed but not enabled).
 * Handler bodies differ so that -O2's identical-code folding keeps one
 * address per handler.
 */
#include <stdio.h>
#include <string.h>

#include "ami_ipmi.h"

extern int ColdReset(const INT8U *pReq, INT8U ReqLen, INT8U *pRes, int BMCInst);
extern int GetFRUAreaInfo(const INT8U *pReq, INT8U ReqLen, INT8U *pRes, int BMCInst);

int ReadFRUData(const INT8U *pReq, INT8U ReqLen, INT8U *pRes, int BMCInst);
int AMIYAFUReadFlash(const INT8U *pReq, INT8U ReqLen, INT8U *pRes, int BMCInst);
int AMIYAFUWriteFlash(const INT8U *pReq, INT8U ReqLen, INT8U *pRes, int BMCInst);
int AMIYAFUEraseFlash(const INT8U *pReq, INT8U ReqLen, INT8U *pRes, int BMCInst);

static int GetDevID(const INT8U *pReq, INT8U ReqLen, INT8U *pRes, int BMCInst)
{
	char text[32];
	/* A local buffer: this library imports the stack protector and a
	 * fortified snprintf, like any hardened build that handles strings. */
	int n = snprintf(text, sizeof(text), "dev%d-%u", BMCInst, (unsigned)ReqLen);
	(void)pReq;
	pRes[0] = 0;
	memcpy(pRes + 1, text, n > 0 ? (size_t)n : 0);
	return n + 1;
}

static int GetChAuthCap(const INT8U *pReq, INT8U ReqLen, INT8U *pRes, int BMCInst)
{
	(void)ReqLen;
	(void)BMCInst;
	pRes[0] = 0;
	pRes[1] = pReq[0] & 0x0F;
	return 2;
}

static int AMIGetFruDetails(const INT8U *pReq, INT8U ReqLen, INT8U *pRes, int BMCInst)
{
	(void)pReq;
	(void)BMCInst;
	pRes[0] = 0;
	pRes[1] = 0x70;
	pRes[2] = ReqLen;
	return 3;
}

int ReadFRUData(const INT8U *pReq, INT8U ReqLen, INT8U *pRes, int BMCInst)
{
	(void)ReqLen;
	(void)BMCInst;
	pRes[0] = 0;
	pRes[1] = pReq[1];
	pRes[2] = 0x11;
	return 3;
}

int AMIYAFUReadFlash(const INT8U *pReq, INT8U ReqLen, INT8U *pRes, int BMCInst)
{
	(void)pReq;
	(void)ReqLen;
	pRes[0] = 0x22;
	return BMCInst + 1;
}

int AMIYAFUWriteFlash(const INT8U *pReq, INT8U ReqLen, INT8U *pRes, int BMCInst)
{
	(void)pReq;
	(void)BMCInst;
	pRes[0] = 0x23;
	return ReqLen + 2;
}

int AMIYAFUEraseFlash(const INT8U *pReq, INT8U ReqLen, INT8U *pRes, int BMCInst)
{
	(void)ReqLen;
	(void)BMCInst;
	pRes[0] = 0x24;
	pRes[1] = pReq[2];
	return 4;
}

static const CmdHndlrMap_T g_App_CmdHndlr[] = {
	CMD(0x01, PRIV_USER, GetDevID, 0x00),
	CMD(0x02, PRIV_ADMIN, ColdReset, 0x00),
	CMD(0x38, PRIV_NONE, GetChAuthCap, 0x02),
	CMD_END,
};

static const CmdHndlrMap_T g_Storage_CmdHndlr[] = {
	CMD(0x10, PRIV_OPERATOR, GetFRUAreaInfo, 0x01),
	CMD(0x11, PRIV_USER, ReadFRUData, 0x04),
	CMD_END,
};

const CmdHndlrMap_T g_AMI_CmdHndlr[] = {
	CMD(0x22, PRIV_ADMIN, AMIYAFUReadFlash, ANY_LEN),
	CMD(0x23, PRIV_ADMIN, AMIYAFUWriteFlash, ANY_LEN),
	CMD(0x24, PRIV_ADMIN, AMIYAFUEraseFlash, ANY_LEN),
	CMD(0x70, PRIV_NONE, AMIGetFruDetails, 0x00),
	CMD_END,
};

const MsgHndlrTbl_T m_MsgHndlrTbl[] = {
	{ 0x06, g_App_CmdHndlr },
	{ 0x0A, g_Storage_CmdHndlr },
	{ 0x32, g_AMI_CmdHndlr },
	{ 0, NULL },
};

static const NetFnCmds_T g_CoreApp[] = {
	NFC(0x01, ENABLED),
	NFC(0x02, DISABLED),
	NFC(0x38, ENABLED),
	{ 0 },
};

const NETFNTable_T CoreNetfntbl[] = {
	{ 0x06, 0, g_CoreApp },
	{ 0, 0, NULL },
};
